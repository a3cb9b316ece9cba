import HTTPTypes
import Hummingbird

/// The HTTP endpoint's routes, one table: path → what a GET answers (HEAD
/// answers the same head with no body). An unknown path is 404; a known path
/// with another method is 405 with `Allow`; a declared body over the bound is
/// 413 and the connection closes. Runs on the HTTP server's event loop thread.
///
/// A table rather than Hummingbird's `Router`: the router answers a known
/// path with a method it lacks as 404, and the endpoint owes a 405 there.
struct MetricsRoutes: HTTPResponder {
    typealias Context = BasicRequestContext

    /// What a GET on a path answers; called once per request.
    typealias Page = @Sendable () -> Response

    let pages: [String: Page]
    let maxBodyBytes: Int

    init(exposition: MetricsExposition, maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
        pages = [
            "/metrics": { Self.text(exposition.render(), type: "text/plain; version=0.0.4; charset=utf-8") },
            "/": { Self.text(Self.homePage, type: "text/html; charset=utf-8") },
            "/healthz": { Self.text("ok\n") },
        ]
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        guard let page = pages[request.uri.path] else {
            return Self.text("not found; try /metrics\n", status: .notFound)
        }
        guard request.method == .get || request.method == .head else {
            var r = Self.text("method not allowed; use GET or HEAD\n", status: .methodNotAllowed)
            r.headers[.allow] = "GET, HEAD"
            return r
        }
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBodyBytes {
            var r = Self.text("request body too large (at most \(maxBodyBytes) bytes)\n", status: .contentTooLarge)
            r.headers[.connection] = "close"
            return r
        }
        let response = page()
        return request.method == .head ? response.createHeadResponse() : response
    }

    static let homePage = """
        <html><head><title>overlap</title></head><body><h1>overlap</h1>\
        <p>An overlapped-I/O echo server. Metrics: <a href="/metrics">/metrics</a>; \
        health: <a href="/healthz">/healthz</a></p></body></html>

        """

    static func text(_ body: String, type: String = "text/plain; charset=utf-8",
                     status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
