import ArgumentParser

@main
struct Overlap: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "An overlapped-I/O echo server (event, callback and completion-port modes on io_uring or epoll).",
        discussion: """
            Examples:
              overlap                                  start the server on 127.0.0.1:7777 (port mode, auto engine)
              overlap serve --headless --engine epoll  run without the dashboard, one stats line per second
              overlap load --connections 50 --depth 8  drive it from another terminal, verifying every byte
              overlap bench --duration 2               compare every mode on both engines (about a minute)
            """,
        subcommands: [Serve.self, Load.self, Bench.self, Soak.self, Lab.self],
        defaultSubcommand: Serve.self)
}
