/// The help overlay's pages: the modes and keys, then what every figure
/// means with the Winsock / IOCP name it stands for. Each line fits 76
/// columns and each page 22 lines, so a page fits an 80x24 terminal whole.
enum HelpPages {
    static let pages: [[String]] = [modes, glossary, panels]

    static let modes: [String] = [
        "overlap: one echo server, three ways to hear about completed I/O",
        "",
        "1 / e  event     Each pending request owns an event object. Waiter threads",
        "                 block on at most 64 events each (WSA_MAXIMUM_WAIT_EVENTS),",
        "                 so more requests mean more waiters: watch the groups grow.",
        "2 / c  callback  Alertable I/O: a completion routine is queued to the APC",
        "                 queue of its session's thread, and only that thread runs",
        "                 it: skew shows up. AcceptEx takes no routine: the accept",
        "                 is an event that apc-0 waits on alertably (under event).",
        "3 / p  port      One completion port: FIFO queue, waiting workers woken",
        "                 last-in first-out, at most 'concurrency' running at once;",
        "                 epoll: workers wait in the kernel; uring: the engine helps.",
        "",
        "Switching changes new requests only; pending ones finish in their old mode.",
        "The Win32 loop behind each mode, and where overlap does it: docs/WINDOWS.md",
        "",
        "m next mode   s/S sort/reverse   / filter   space pause   +/- refresh",
        "t trace   l hazard lab   arrows PgUp PgDn Home End scroll   q F10 quit",
        "",
        "PgDn or the right arrow: what every figure means",
    ]

    static let glossary: [String] = [
        "What the figures mean (the Windows name in brackets)",
        "",
        "recv/s     receive completions a second: not messages (TCP is a stream)",
        "pending    posted, not completed yet  [ERROR_IO_PENDING]",
        "queue now  completed, its handler not started: packets in the port, APCs",
        "           queued, events set  [the completion queue]; peak: deepest sample",
        "ring       completions reaped from io_uring not yet handed on; overflow:",
        "           completions the kernel held back because the ring was full",
        "notify     completed -> its handler starts: the notification delay",
        "handler    the handler's own time  [completion routine / GQCS loop body]",
        "kernel     posted -> completed  [the I/O itself, with the submit]",
        "n99        a thread's p99 notify: how long its completions waited for it",
        "APC qN, x/wait   routines queued to the thread; routines per alertable",
        "           wait  [SleepEx / WaitForMultipleObjectsEx: WAIT_IO_COMPLETION]",
        "N events, x/wake  events in the group; harvested per wake [WSAWait...]",
        "busy       the thread's CPU time over wall time in the last sample",
        "wait buf   every receive buffer is lent: the recv waits for one",
        "peer closed  a zero-byte receive: the peer closed  [WSARecv of 0 bytes]",
        "",
        "PgDn: the threads, sessions and lab; PgUp: the modes and keys",
    ]

    static let panels: [String] = [
        "The threads, the sessions and the hazard lab",
        "",
        "engine: I/O done  the engine thread's own work: requests it saw finish",
        "           in the kernel a second (reaped from io_uring, or done on",
        "           epoll readiness); its handlers, if any, are row port-v",
        "port:      concurrency value, workers running, those waiting on the",
        "           port (next = woken first: last in, first out), those in",
        "           epoll_wait (they do the I/O themselves), waits a second",
        "           [NumberOfConcurrentThreads, GetQueuedCompletionStatus]",
        "ran on     the thread that ran the session's last handler, then how",
        "           many did in its mode (callback: 1, its APC thread)",
        "HAZARD     what the lab switched on (l): each provokes one model's",
        "           classic failure while traffic flows",
        "Warnings   lints: a failure the samples show, held 2 s (cleared after",
        "           5 s without): what is wrong, the Windows concept, what to try",
        "",
        "PgUp or the left arrow: what the figures mean",
    ]

    /// Page `page` (clamped), and how many there are.
    static func lines(page: Int) -> [String] { pages[max(0, min(pages.count - 1, page))] }
}
