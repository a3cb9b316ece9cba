import OverlapSystem

/// A raw HTTP exchange on 127.0.0.1: sends `request` as is, returns
/// whatever came back before the server closed (or the 5 s receive timeout).
public func http(_ port: Int, _ request: [UInt8]) -> String {
    guard let c = try? TCPClient(port: port, timeoutSeconds: 5) else { return "" }
    guard (try? c.send(request)) != nil else { return "" }
    return String(decoding: c.receiveUntilClosed(), as: UTF8.self)
}

/// `GET path`, asking the server to close after answering.
public func get(_ port: Int, _ path: String) -> String {
    http(port, Array("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
}

/// The value of one series in a Prometheus exposition, e.g. `overlap_sessions`
/// or `overlap_mode{mode="port"}`.
public func value(_ text: String, _ series: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}
