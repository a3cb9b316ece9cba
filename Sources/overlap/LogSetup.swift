import ArgumentParser
import Foundation
import Logging

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Appends log records to a file, one line each (swift-log ships handlers
/// for stdout and stderr only).
struct FileLogHandler: LogHandler {
    /// The open file, shared by every logger of the process.
    final class Output: @unchecked Sendable {
        private let handle: FileHandle
        private let lock = NSLock()

        init(path: String) throws {
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil) else {
                    throw ValidationError("--log-file: cannot create \(path)")
                }
            }
            guard let h = FileHandle(forWritingAtPath: path) else {
                throw ValidationError("--log-file: cannot open \(path) for writing")
            }
            h.seekToEndOfFile()
            handle = h
        }

        func write(_ line: String) {
            lock.lock()
            defer { lock.unlock() }
            handle.write(Data(line.utf8))
        }
    }

    let label: String
    let output: Output
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let stamp = ISO8601DateFormatter().string(from: Date())
        output.write("\(stamp) \(event.level) \(label): \(event.message)\n")
    }
}

/// Where log records go: stderr when headless (never the terminal under the
/// dashboard, whose event log shows the server's events), and `--log-file`.
func bootstrapLogging(level: Logger.Level, headless: Bool, file: FileLogHandler.Output?) {
    LoggingSystem.bootstrap { label in
        var handlers: [LogHandler] = []
        if headless { handlers.append(StreamLogHandler.standardError(label: label)) }
        if let file { handlers.append(FileLogHandler(label: label, output: file)) }
        var h: LogHandler = handlers.isEmpty ? SwiftLogNoOpLogHandler() : MultiplexLogHandler(handlers)
        h.logLevel = level
        return h
    }
}
