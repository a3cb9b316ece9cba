import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Bounds what one HTTP connection may take from the client's side: time to
/// send a whole request, size of a body, and it answers an oversized head with
/// 431. One per connection, on that connection's event loop (NIO handlers are
/// single-threaded; it is not `Sendable`).
///
/// Sits after the HTTP/1 decoder (Hummingbird's `additionalChannelHandlers`),
/// so it sees request parts, not bytes:
/// - **Request deadline** (`requestTimeout`): while the server is waiting on
///   the client (no response owed, or a request partly read), a whole request
///   (head, and any body) must arrive within `requestTimeout` of the moment the
///   waiting began: the connection opening, or the end of the previous
///   response. Nothing the client sends moves it; only a response does. Past
///   it the connection is closed.
/// - **Body bound** (`maxBodyBytes`): a body longer than this is not passed on;
///   the connection is closed once the response owed is written (at once if
///   none is owed). No route reads a body today.
/// - **Oversized head**: the decoder's `headerOverflow` (head longer than the
///   limits in `MetricsHTTPServer`) becomes a 431 answer and a half-close,
///   instead of Hummingbird's generic 400.
/// - A response that says `Connection: close` closes the connection once written.
///
/// Why it exists beside Hummingbird's `idleTimeout` (read in 2.28.1,
/// `HTTPConnectionStateHandler`): that timer measures *silence* in decoded
/// request parts. A head trickled a byte at a time decodes to nothing until it
/// is whole, so the idle timer does close it; but every trickled *body* byte is
/// a body part that resets the timer, and a body can be trickled forever. An
/// absolute deadline that no incoming byte can extend closes both.
final class RequestGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let requestTimeout: TimeAmount
    private let maxBodyBytes: Int
    /// Requests whose head has been read and whose response has not been written whole.
    private var owed = 0
    /// A head has been read and its `.end` has not.
    private var readingRequest = false
    private var bodyBytes = 0
    /// The body went past `maxBodyBytes`: its remaining parts are dropped.
    private var discardingBody = false
    private var closeAfterResponse = false
    private var deadline: Scheduled<Void>?

    init(requestTimeout: TimeAmount, maxBodyBytes: Int) {
        self.requestTimeout = requestTimeout
        self.maxBodyBytes = maxBodyBytes
    }

    /// The server is waiting on the client: the deadline runs.
    private var waitingOnClient: Bool { readingRequest || owed == 0 }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            owed += 1
            readingRequest = true
            bodyBytes = 0
            discardingBody = false
            arm(context)  // keeps a running deadline; starts one if the server was busy (pipelining)
            context.fireChannelRead(data)
        case .body(let part):
            guard !discardingBody else { return }
            bodyBytes += part.readableBytes
            if bodyBytes > maxBodyBytes {
                discardingBody = true
                if owed == 0 { context.close(promise: nil) } else { closeAfterResponse = true }
                return
            }
            context.fireChannelRead(data)
        case .end:
            readingRequest = false
            if !waitingOnClient { disarm() }
            if !discardingBody { context.fireChannelRead(data) }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response):
            if response.headerFields[.connection]?.lowercased() == "close" { closeAfterResponse = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            // Hummingbird's 400 for an unparsable request answers a head never read: owed stays 0.
            owed = max(0, owed - 1)
            if closeAfterResponse && owed == 0 {
                closeOnceWritten(context, data, promise: promise)
                return
            }
            if waitingOnClient { arm(context) }
            context.write(data, promise: promise)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, parserError == .headerOverflow else {
            context.fireErrorCaught(error)
            return
        }
        // The decoder has stopped for good. Answer if nothing else is being
        // answered; half-close so the client reads the answer (closing with its
        // unread bytes queued would send a reset that can destroy it), and the
        // deadline, which runs since nothing is owed, closes the rest.
        guard owed == 0 else {
            context.close(promise: nil)
            return
        }
        var body = context.channel.allocator.buffer(capacity: 64)
        body.writeString("request head too large\n")
        let head = HTTPResponse(status: .requestHeaderFieldsTooLarge, headerFields: [
            .contentType: "text/plain; charset=utf-8", .contentLength: String(body.readableBytes),
            .connection: "close",
        ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.close(mode: .output, promise: nil)
        arm(context)
    }

    /// Writes the last part of a response, then closes: output first (the
    /// client gets the whole answer and an end of stream), then everything.
    private func closeOnceWritten(_ context: ChannelHandlerContext, _ data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.writeAndFlush(data, promise: promise)
        context.close(mode: .output, promise: nil)
        arm(context)  // the client has `requestTimeout` to read it and close its side
    }

    /// Starts the deadline unless one is running.
    private func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: requestTimeout) {
            self.deadline = nil
            context.close(promise: nil)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}

@available(*, unavailable)
extension RequestGuardHandler: Sendable {}
