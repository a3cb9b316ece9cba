/// Every fixed phrase the dashboard shows, in every language, side by side
/// (DESIGN §7, "For learners"). `{0}`, `{1}`... are filled with numbers,
/// names and other phrases (`Phrasing`). Korean uses the course's own terms:
/// Overlapped 모델, 이벤트 기반 통지, 콜백 기반 통지, APC 큐, Alertable 상태,
/// 완료 포트. A test fails when an entry lacks a language or the languages'
/// slots differ, and when a line is too wide for its place on screen.
enum StringTable {
    static let entries: [Phrase: [Language: String]] = [
        // MARK: Header
        .headerPaused: [.en: " PAUSED", .ko: " 일시정지"],
        .headerTrace: [.en: " TRACE", .ko: " 추적 중"],
        .headerHazard: [.en: " HAZARD ", .ko: " 장애 "],
        .headerFinishing: [.en: " {0} finishing in old modes", .ko: " 이전 모드로 끝날 요청 {0}개"],
        .headerUp: [.en: "up {0}", .ko: "가동 {0}"],
        .headerSessions: [.en: "sessions ", .ko: "세션 "],
        .headerBytes: [.en: "in {0}/s  out {1}/s", .ko: "수신 {0}/s  송신 {1}/s"],
        .headerSwitches: [.en: "switches {0}", .ko: "모드 전환 {0}"],
        .headerAccepted: [.en: "accepted {0}  closed {1}", .ko: "수락 {0}  종료 {1}"],
        .headerRefused: [.en: "  refused {0}", .ko: "  거부 {0}"],
        .headerBufferWaits: [.en: "  buffer waits {0}", .ko: "  버퍼 대기 {0}"],
        .closedPeerClosed: [.en: "peer closed", .ko: "상대가 닫음"],
        .closedReset: [.en: "reset", .ko: "리셋"],
        .closedError: [.en: "error", .ko: "오류"],
        .closedShutdown: [.en: "shutdown", .ko: "서버 종료"],

        // MARK: Pending operations and completion queues
        .panelPending: [.en: "Pending operations", .ko: "미완료 요청 (pending)"],
        .panelPendingCompact: [.en: "Pending / queued", .ko: "미완료 요청 / 완료 큐"],
        .panelCompletionQueue: [.en: " Completion queue ", .ko: " 완료 큐 "],
        .columnPending: [.en: "pending", .ko: "미완료"],
        .columnTotal: [.en: "total", .ko: "합계"],
        .columnQueue: [.en: "queue", .ko: "큐"],
        .columnNow: [.en: "now", .ko: "현재"],
        .columnPeak: [.en: "peak", .ko: "최고"],
        .columnPeakWindow: [.en: "peak {0}s", .ko: "최고 {0}s"],
        .acceptFootnote: [.en: "the accept counts under event: AcceptEx takes no routine; apc-0 waits on it",
                          .ko: "accept는 event 칸: AcceptEx에는 완료 루틴이 없어 apc-0이 이벤트로 기다림"],
        .queuedCompact: [.en: "queued", .ko: "큐"],
        .ringFigures: [.en: "ring {0} overflow {1}", .ko: "링 {0} 오버플로 {1}"],
        .graphPending: [.en: "pending", .ko: "미완료"],
        .graphQueue: [.en: "queue", .ko: "큐"],

        // MARK: Latency
        .latencyOff: [.en: "Latency: sampling off (--sample 0)", .ko: "지연 시간: 샘플링 꺼짐 (--sample 0)"],
        .latencyTitle: [.en: "Latency p50 / p99 (1 in {0} sampled)", .ko: "지연 시간 p50 / p99 ({0}개 중 1개 샘플)"],
        .latencyKernel: [.en: ", kernel p50 ", .ko: ", 커널 p50 "],
        .latencyNone: [.en: "no sampled request completed in the last sample", .ko: "지난 샘플 동안 완료된 샘플 요청 없음"],
        .latencyNotify: [.en: "notify ", .ko: "통지 "],
        .latencyHandler: [.en: "   handler ", .ko: "   핸들러 "],
        .latencySamples: [.en: " samples/s", .ko: " 샘플/s"],
        .latencySummaryNone: [.en: "latency: no samples in the last window", .ko: "지연 시간: 지난 구간에 샘플 없음"],
        .latencySummaryNotify: [.en: "notify p99 ", .ko: "통지 p99 "],
        .latencySummaryHandler: [.en: "  handler p99 ", .ko: "  핸들러 p99 "],

        // MARK: Threads
        .panelThreads: [.en: "Threads ({0})", .ko: "스레드 ({0})"],
        .notShown: [.en: ", {0} not shown", .ko: ", {0}개 숨김"],
        .roleEngine: [.en: "engine: I/O done", .ko: "엔진: I/O 완료"],
        .roleEngineSubmits: [.en: "sub {0}/s, done", .ko: "제출 {0}/s, 완료"],
        .roleAPC: [.en: "queue {0}, {1}/wait", .ko: "APC 큐 {0}, {1}/대기"],
        .roleEvents: [.en: "{0} events, {1}/wake", .ko: "이벤트 {0}개, {1}/깨움"],
        .roleEventsOne: [.en: "1 event, {0}/wake", .ko: "이벤트 1개, {0}/깨움"],
        .roleInline: [.en: "{0}/s inline", .ko: "인라인 {0}/s"],
        .rolePortWorker: [.en: "port worker", .ko: "완료 포트 워커"],
        .rolePortVisits: [.en: "engine as worker", .ko: "워커 역할의 엔진"],
        .roleControl: [.en: "control", .ko: "제어"],
        .portLine: [.en: "port: concurrency {0}, running {1}", .ko: "완료 포트: 동시 실행 값 {0}, 실행 중 {1}"],
        .portNoneWaiting: [.en: ", none waiting on it", .ko: ", 기다리는 워커 없음"],
        .portWaiting: [.en: ", waiting ", .ko: ", 대기 "],
        .portNext: [.en: " (next)", .ko: " (다음)"],
        .portInEpoll: [.en: ", {0} in epoll_wait", .ko: ", epoll_wait 안에 {0}"],
        .portWaits: [.en: ", waits {0}/s", .ko: ", 대기 진입 {0}/s"],

        // MARK: Sessions
        .panelSessions: [.en: "Sessions {0}", .ko: "세션 {0}"],
        .sessionsMatching: [.en: " matching \"{0}\"", .ko: " \"{0}\" 일치"],
        .sessionsSort: [.en: ", sort {0}", .ko: ", 정렬 {0}"],
        .columnID: [.en: "id", .ko: "id"],
        .columnPeer: [.en: "peer", .ko: "상대 주소"],
        .columnRanOn: [.en: "ran on", .ko: "실행 위치"],
        .columnState: [.en: "state", .ko: "상태"],
        .columnIn: [.en: "in", .ko: "수신"],
        .columnOut: [.en: "out", .ko: "송신"],
        .columnRequests: [.en: "reqs", .ko: "요청"],
        .columnAge: [.en: "age", .ko: "경과"],
        .columnIdle: [.en: "idle", .ko: "유휴"],
        .stateReceiving: [.en: "recv", .ko: "수신 중"],
        .stateSending: [.en: "send", .ko: "송신 중"],
        .stateWaitingForBuffer: [.en: "wait buf", .ko: "버퍼대기"],
        .stateClosing: [.en: "closing", .ko: "닫는 중"],

        // MARK: Warnings, events, footer
        .panelWarnings: [.en: "Warnings ({0})", .ko: "경고 ({0})"],
        .panelEvents: [.en: "Events", .ko: "이벤트 로그"],
        .eventAge: [.en: "{0} ago", .ko: "{0} 전"],
        .footerMode: [.en: "mode", .ko: "모드"],
        .footerNext: [.en: "next", .ko: "다음"],
        .footerHelp: [.en: "help", .ko: "도움말"],
        .footerLab: [.en: "lab", .ko: "장애 실습"],
        .footerFilter: [.en: "filter", .ko: "필터"],
        .footerSort: [.en: "sort", .ko: "정렬"],
        .footerPause: [.en: "pause", .ko: "멈춤"],
        .footerRefresh: [.en: "refresh", .ko: "갱신"],
        .footerQuit: [.en: "quit", .ko: "종료"],
        .footerRefreshMs: [.en: "refresh {0} ms", .ko: "갱신 {0} ms"],
        .filterPrompt: [.en: "filter sessions: ", .ko: "세션 필터: "],
        .filterHint: [.en: "_   (Enter applies, Esc cancels, an empty filter shows all)",
                      .ko: "_   (Enter 적용, Esc 취소, 비우면 전부)"],
        .tooSmall: [.en: "too small: have {0}x{1}, need {2}x{3}", .ko: "화면 작음 {0}x{1}, 필요 {2}x{3}"],
        .tooSmallHint: [.en: "enlarge the terminal, or q to quit", .ko: "터미널을 키우거나 q로 종료"],

        // MARK: Overlays
        .helpCloses: [.en: " Esc, ? or q closes ", .ko: " Esc, ? 또는 q로 닫기 "],
        .helpCut: [.en: " cut to fit: 80x24 shows it whole ", .ko: " 잘림: 80x24에서 전부 보임 "],
        .helpPage: [.en: " page {0}/{1} ", .ko: " {0}/{1}쪽 "],
        .labTitle: [.en: " Hazard lab: provoke each model's classic failure ({0} mode now) ",
                    .ko: " 장애 실습: 모델마다 전형적인 실패를 일으킨다 (지금 {0} 모드) "],
        .labKeys: [.en: " up/down choose, Enter or space switches, Esc, l or q closes ",
                   .ko: " 위/아래 선택, Enter나 space로 켜고 끔, Esc, l, q로 닫기 "],
        .labOn: [.en: "[on] ", .ko: "[켬] "],
        .imitatesSlowHandler: [.en: "a completion routine or handler that blocks (a disk read, a lock) on one thread",
                               .ko: "한 스레드에서 멈추는(디스크 읽기, 락) 완료 루틴이나 핸들러"],
        .imitatesLowestIndex: [.en: "a WSAWaitForMultipleEvents loop that handles only the index it returns, the lowest set",
                               .ko: "돌려받은 인덱스(신호 받은 가장 낮은 것)만 처리하는 WSAWaitForMultipleEvents 루프"],
        .imitatesSkipOnSuccess: [.en: "FILE_SKIP_COMPLETION_PORT_ON_SUCCESS: an I/O that completes at once is handled inline",
                                 .ko: "FILE_SKIP_COMPLETION_PORT_ON_SUCCESS: 바로 완료된 I/O를 그 자리에서 처리"],
        .imitatesStall: [.en: "every handler thread stops at once now and then (a GC pause, a page-fault storm)",
                         .ko: "모든 핸들러 스레드가 가끔 한꺼번에 멈춤 (GC 정지, 페이지 폴트 폭주)"],
        .imitatesBuffers: [.en: "too few receive buffers for the sessions: recvs wait for one to come back",
                           .ko: "세션에 비해 수신 버퍼가 모자람: recv가 버퍼가 돌아오기를 기다림"],
        .imitatesConcurrency: [.en: "CreateIoCompletionPort's NumberOfConcurrentThreads, changed while traffic flows",
                               .ko: "트래픽이 흐르는 중에 바꾼 CreateIoCompletionPort의 NumberOfConcurrentThreads"],

        // MARK: Notices (the footer's answer to a key)
        .noticeLab: [.en: "hazard lab: {0}", .ko: "장애 실습: {0}"],
        .noticeNoUTF8: [.en: "the terminal is not UTF-8, so the words are English: Korean needs a UTF-8 locale",
                        .ko: "터미널이 UTF-8이 아니어서 영어로 표시: 한국어는 UTF-8 로캘이 필요"],
        .noticeHazardOn: [.en: "hazard on: {0}", .ko: "장애 켬: {0}"],
        .noticeHazardOff: [.en: "hazard off: {0}", .ko: "장애 끔: {0}"],
        .noticeTraceStopped: [.en: "trace stopped: its file is being completed", .ko: "추적 중지: 파일을 마무리하는 중"],
        .noticeTraceStarted: [.en: "trace: writing sampled requests to {0} (t stops)", .ko: "추적: 샘플 요청을 {0}에 기록 중 (t로 중지)"],
        .noticeCannotTrace: [.en: "cannot trace: {0}", .ko: "추적할 수 없음: {0}"],
        .noticeCannotSwitch: [.en: "cannot switch to {0}: {1}", .ko: "{0} 모드로 바꿀 수 없음: {1}"],

        // MARK: Events log
        .eventListening: [.en: "listening on {0}, {1} engine ({2}), {3} mode", .ko: "{0}에서 수신 대기, {1} 엔진 ({2}), {3} 모드"],
        .eventRefusedMaxSessions: [.en: "refused a connection: --max-sessions {0} reached", .ko: "연결 거부: --max-sessions {0}에 도달"],
        .eventRefusedDescriptors: [.en: "refused a connection: out of descriptors", .ko: "연결 거부: 디스크립터 부족"],
        .eventAttachFailed: [.en: "cannot use an accepted socket: {0}", .ko: "수락한 소켓을 쓸 수 없음: {0}"],
        .eventAcceptPaused: [.en: "accept: {0}; refusing new connections until descriptors free up",
                             .ko: "accept: {0}; 디스크립터가 풀릴 때까지 새 연결 거부"],
        .eventAcceptStopped: [.en: "accept failed: {0}; no longer accepting", .ko: "accept 실패: {0}; 더 이상 수락하지 않음"],
        .eventModeSwitchOne: [.en: "mode {0} -> {1}: 1 request finishes in {0} mode{2}",
                              .ko: "모드 {0} -> {1}: 요청 1개는 {0} 모드로 끝남{2}"],
        .eventModeSwitchMany: [.en: "mode {0} -> {1}: {2} requests finish in {0} mode{3}",
                               .ko: "모드 {0} -> {1}: 요청 {2}개는 {0} 모드로 끝남{3}"],
        .eventModeSwitchAccept: [.en: ", the accept at the next connect", .ko: ", accept는 다음 연결 때"],
        .eventTraceStarted: [.en: "trace: writing sampled requests to {0} for up to {1} s",
                             .ko: "추적: 샘플 요청을 {0}에 최대 {1}초 동안 기록"],
        .eventTraceEnded: [.en: "trace: {0} sampled requests in {1} ({2})", .ko: "추적: 샘플 요청 {0}개를 {1}에 기록 ({2})"],
        .eventTraceStopped: [.en: "stopped", .ko: "중지됨"],
        .traceServerStopped: [.en: "server stopped", .ko: "서버 중지"],
        .traceTimeLimit: [.en: "time limit {0} s", .ko: "시간 제한 {0}초"],
        .traceSizeLimit: [.en: "size limit {0} MiB", .ko: "크기 제한 {0} MiB"],
        .traceDropped: [.en: "{0}, {1} requests dropped (writer behind)", .ko: "{0}, 요청 {1}개 버림 (기록이 밀림)"],
        .engineByFlag: [.en: "--engine {0}", .ko: "--engine {0} 지정"],
        .engineProbePassed: [.en: "auto: io_uring probe passed", .ko: "auto: io_uring 검사 통과"],
        .engineProbeFailed: [.en: "auto: {0}", .ko: "auto: io_uring을 쓸 수 없음: {0}"],
        .eventHazardOn: [.en: "hazard on: {0}, imitating {1}{2}", .ko: "장애 켬: {0}, 흉내 내는 것: {1}{2}"],
        .eventHazardOff: [.en: "hazard off: {0}", .ko: "장애 끔: {0}"],
        .hazardSkipOnUring: [.en: " (acts in port mode; on io_uring only sends posted while the engine thread is idle complete at once)",
                             .ko: " (port 모드에서 작동; io_uring에서는 엔진 스레드가 쉴 때 건 송신만 바로 완료됨)"],
        .hazardActsInPort: [.en: " (acts in port mode)", .ko: " (port 모드에서 작동)"],
        .hazardActsInEvent: [.en: " (acts in event mode)", .ko: " (event 모드에서 작동)"],
        .eventLintRaised: [.en: "lint {0}: {1}", .ko: "린트 {0}: {1}"],
        .eventLintCleared: [.en: "lint {0} cleared: it has not held for 5 s", .ko: "린트 {0} 해제: 5초 동안 나타나지 않음"],
        .eventAPCStartedOne: [.en: "callback mode: 1 APC thread started; each session is pinned to one",
                              .ko: "콜백 기반 통지: APC 스레드 1개 시작; 세션마다 한 스레드에 고정"],
        .eventAPCStartedMany: [.en: "callback mode: {0} APC threads started; each session is pinned to one",
                               .ko: "콜백 기반 통지: APC 스레드 {0}개 시작; 세션마다 한 스레드에 고정"],
        .eventAPCRetired: [.en: "callback mode's APC threads retired: nothing is left in callback mode",
                           .ko: "콜백 기반 통지의 APC 스레드 종료: callback 모드에 남은 요청 없음"],
        .eventGroupFirstOpened: [.en: "event group 0 opened: its waiter event-0 waits on up to 64 events (WSA_MAXIMUM_WAIT_EVENTS)",
                                 .ko: "이벤트 그룹 0 열림: 대기 스레드 event-0이 이벤트를 최대 64개 기다림 (WSA_MAXIMUM_WAIT_EVENTS)"],
        .eventGroupOpened: [.en: "event group {0} opened, waiter event-{0}: the other groups hold 64 events each (WSA_MAXIMUM_WAIT_EVENTS)",
                            .ko: "이벤트 그룹 {0} 열림, 대기 스레드 event-{0}: 다른 그룹은 이벤트가 64개씩 참 (WSA_MAXIMUM_WAIT_EVENTS)"],
        .eventGroupClosed: [.en: "event group {0} closed: its last event is gone, event-{0} exits",
                            .ko: "이벤트 그룹 {0} 닫힘: 마지막 이벤트가 사라져 event-{0} 종료"],
        .eventPortStartedOne: [.en: "port mode: 1 worker started, concurrency {0}", .ko: "완료 포트: 워커 1개 시작, 동시 실행 값 {0}"],
        .eventPortStartedMany: [.en: "port mode: {0} workers started, concurrency {1}", .ko: "완료 포트: 워커 {0}개 시작, 동시 실행 값 {1}"],
        .eventPortRetiredOne: [.en: "port mode's 1 worker retired: nothing is left in port mode",
                               .ko: "완료 포트 워커 1개 종료: port 모드에 남은 요청 없음"],
        .eventPortRetiredMany: [.en: "port mode's {0} workers retired: nothing is left in port mode",
                                .ko: "완료 포트 워커 {0}개 종료: port 모드에 남은 요청 없음"],

        // MARK: Lints (what is wrong: the Windows concept; what to try)
        .lintAPCImbalance: [
            .en: "APC thread {0} waits {1} at p99 before its routines run ({2}: {3}): completion routines run only on the thread that posted the request, so one busy thread stalls every session pinned to it; port mode lets any worker take any completion",
            .ko: "APC 스레드 {0}의 완료 루틴이 실행 전 p99 {1} 기다림 ({2}: {3}): 완료 루틴은 요청을 건 스레드에서만 실행되므로 바쁜 스레드 하나가 거기 고정된 세션 모두를 멈춘다; 완료 포트에서는 어느 워커든 어느 완료든 처리한다"],
        .lintAPCImbalanceSessions: [
            .en: "APC thread {0} holds {4} sessions and waits {1} at p99 before its routines run ({2}: {3}): completion routines run only on the thread that posted the request, so one busy thread stalls every session pinned to it; port mode lets any worker take any completion",
            .ko: "APC 스레드 {0}에 세션 {4}개가 고정, 그 완료 루틴이 실행 전 p99 {1} 기다림 ({2}: {3}): 완료 루틴은 요청을 건 스레드에서만 실행되므로 바쁜 스레드 하나가 거기 고정된 세션 모두를 멈춘다; 완료 포트에서는 어느 워커든 어느 완료든 처리한다"],
        .lintSlowHandler: [
            .en: "handlers in {0} mode take {1} at p99: a handler that blocks holds its thread, and every completion behind it waits (head-of-line blocking); move blocking work off the completion threads",
            .ko: "{0} 모드의 핸들러가 p99 {1} 걸림: 멈추는 핸들러는 스레드를 붙잡고 뒤의 완료는 모두 기다린다 (head-of-line blocking); 멈추는 작업은 완료 스레드 밖으로 옮긴다"],
        .lintEventStarvation: [
            .en: "{0} signalled events wait while the event waiters handle {1} per wake: WSAWaitForMultipleEvents returns only the lowest signalled index, so a loop that handles just that one starves the higher ones; handle every signalled event per wake, or use a port",
            .ko: "신호 받은 이벤트 {0}개가 기다리는데 대기 스레드는 깨어날 때마다 {1}개만 처리: WSAWaitForMultipleEvents는 신호 받은 가장 낮은 인덱스만 돌려주므로 그것만 처리하는 루프는 높은 인덱스를 굶긴다; 깨어날 때마다 신호 받은 이벤트를 모두 처리하거나 완료 포트를 쓴다"],
        .lintQueueGrowing: [
            .en: "{0} completions wait for a thread (notify p99 up to {1} in the last second): the completion queue fills faster than threads take from it; find what stops them (a stall, a slow handler) or add workers",
            .ko: "완료 {0}개가 스레드를 기다림 (지난 1초 통지 p99 최대 {1}): 완료 큐가 스레드가 꺼내는 것보다 빨리 찬다; 스레드를 멈추게 하는 것(정지, 느린 핸들러)을 찾거나 워커를 늘린다"],
        .lintQueueStalled: [
            .en: "completions sat queued for about {0} while no thread started a handler: every thread that takes from the completion queue stopped at once (a stall); find what stops them all (a pause, a shared lock) or add workers",
            .ko: "완료가 약 {0} 큐에 머무는 사이 어느 스레드도 핸들러를 시작하지 않음: 완료 큐에서 꺼내는 스레드가 한꺼번에 멈췄다 (정지); 모두를 멈추게 하는 것(일시 정지, 공유 락)을 찾거나 워커를 늘린다"],
        .lintOverConcurrency: [
            .en: "the completion port ran more workers than its concurrency value ({0}) {1} times this window: a worker that blocked in its handler came back while another ran in its slot, as IOCP allows; keep handlers from blocking, or the thread count near the value",
            .ko: "완료 포트가 이번 구간에 {1}번 워커를 {0}개(동시 실행 값)보다 많이 실행: 핸들러에서 멈췄던 워커가 다른 워커가 자리를 채운 뒤 돌아왔다 (IOCP가 허용하는 일); 핸들러가 멈추지 않게 하거나 스레드 수를 동시 실행 값 가까이 둔다"],
        .lintBufferStarved: [
            .en: "receives found no free buffer {0} times this window: every receive buffer is lent and sessions queue for one (WSAENOBUFS on Windows); lend a buffer only when data arrives (a zero-byte receive) and bound buffers per session, or give the pool more",
            .ko: "이번 구간에 수신이 빈 버퍼를 {0}번 못 찾음: 수신 버퍼가 모두 빌려져 세션이 줄을 선다 (Windows의 WSAENOBUFS); 데이터가 올 때만 버퍼를 빌려 주고(0바이트 수신) 세션당 버퍼를 제한하거나 풀을 키운다"],
        .lintPeerNotReading: [
            .en: "sessions with an echo send pending for over {1} s: {0}, session {2} first; the peer does not read, so the overlapped send cannot complete and its buffer stays lent; bound what a session may queue, or close peers that stop reading",
            .ko: "세션 {0}개의 에코 송신이 {1}초 넘게 대기 중 (세션 {2}부터): 상대가 읽지 않아 Overlapped 송신이 끝나지 못하고 버퍼는 빌려진 채다; 세션이 쌓을 수 있는 양을 제한하거나 읽지 않는 상대를 닫는다"],

        // MARK: Help pages (each line at most 76 columns, each page at most 20 lines)
        .helpModes: [
            .en: """
            overlap: one echo server, three ways to hear about completed I/O

            1 / e  event     Each pending request owns an event object. Waiter threads
                             block on at most 64 events each (WSA_MAXIMUM_WAIT_EVENTS),
                             so more requests mean more waiters: watch the groups grow.
            2 / c  callback  Alertable I/O: a completion routine is queued to the APC
                             queue of its session's thread, and only that thread runs
                             it: skew shows up. AcceptEx takes no routine: the accept
                             is an event that apc-0 waits on alertably (under event).
            3 / p  port      One completion port: FIFO queue, waiting workers woken
                             last-in first-out, at most 'concurrency' running at once;
                             epoll: workers wait in the kernel; uring: the engine helps.

            Switching changes new requests only; pending ones finish in their old mode.
            The Win32 loop behind each mode, and where overlap does it: docs/WINDOWS.md

            m next mode   s/S sort/reverse   / filter   space pause   +/- refresh
            t trace   l hazard lab   arrows PgUp PgDn Home End scroll   q F10 quit

            PgDn or the right arrow: what every figure means
            """,
            .ko: """
            overlap: Overlapped 모델 에코 서버 하나, 완료를 알아내는 세 가지 방법

            1 / e  event     이벤트 기반 통지: 대기 중인 요청마다 이벤트 객체.
                             대기 스레드 하나가 이벤트를 최대 64개 기다린다
                             (WSA_MAXIMUM_WAIT_EVENTS): 요청이 늘면 그룹도 는다.
            2 / c  callback  콜백 기반 통지: 완료 루틴은 세션 스레드의 APC 큐에
                             들어가고 그 스레드만 실행한다: 쏠림이 보인다.
                             AcceptEx에는 완료 루틴이 없어 accept는 apc-0이
                             Alertable 상태로 기다리는 이벤트다 (event 칸).
            3 / p  port      완료 포트 하나: FIFO 큐, 기다리는 워커는 나중에
                             온 것부터 깨우고(LIFO), 동시 실행 값까지만 실행.
                             epoll: 워커가 커널에서 기다림; uring: 엔진이 도움.

            전환은 새 요청에만 적용: 대기 중인 요청은 원래 모드로 끝난다.
            모드마다 Win32 루프와 overlap의 해당 코드: docs/WINDOWS.md

            m 다음 모드   s/S 정렬/역순   / 필터   space 멈춤   +/- 갱신 주기
            t 추적   l 장애 실습   화살표 PgUp PgDn Home End 스크롤   q F10 종료

            PgDn 또는 오른쪽 화살표: 각 수치의 뜻
            """],
        .helpGlossary: [
            .en: """
            What the figures mean (the Windows name in brackets)

            recv/s     receive completions a second: not messages (TCP is a stream)
            pending    posted, not completed yet  [ERROR_IO_PENDING]
            queue now  completed, its handler not started: packets in the port, APCs
                       queued, events set  [the completion queue]; peak: deepest sample
            ring       completions io_uring had posted beyond the engine's last reap
                       (0 on epoll); overflow: held back because the ring was full
            notify     completed -> its handler starts: the notification delay. The
                       modes differ here: an event waiter, the session's own APC
                       thread or any free port worker must pick it up
            handler    the handler's own time  [completion routine / GQCS loop body]
            kernel     posted -> completed  [the I/O itself, with the submit]
            n99        a thread's p99 notify: how long its completions waited for it
            queue N, x/wait  routines in the APC thread's queue; routines per alertable
                       wait  [SleepEx / WaitForMultipleObjectsEx: WAIT_IO_COMPLETION]
            N events, x/wake  events in the group; harvested per wake [WSAWait...]
            busy       the thread's CPU time over wall time in the last sample

            PgDn: the threads, sessions and lab; PgUp: the modes and keys
            """,
            .ko: """
            각 수치의 뜻 (대괄호 안은 Windows의 이름)

            recv/s     초당 수신 완료 수: 메시지 수가 아님 (TCP는 스트림)
            미완료     건 뒤 아직 완료되지 않은 요청  [ERROR_IO_PENDING]
            큐 현재    완료됐지만 핸들러가 시작 전: 포트의 패킷, 쌓인 APC,
                       신호 받은 이벤트  [완료 큐]; 최고: 가장 깊었던 샘플
            링         엔진이 마지막으로 거둘 때 io_uring에 남아 있던 완료 (epoll은
                       0); 오버플로: 링이 가득 차서 커널이 붙잡아 둔 완료
            통지       완료 -> 핸들러 시작: 통지 지연 (notification delay). 모드는
                       여기서 갈린다: 이벤트 대기 스레드, 세션 자신의 APC 스레드,
                       비어 있는 아무 완료 포트 워커 중 누가 집어 가는가
            핸들러     핸들러 자체의 시간  [완료 루틴 / GQCS 루프 본문]
            커널       요청 -> 완료  [I/O 자체, 제출 포함]
            n99        스레드의 통지 p99: 완료가 그 스레드를 기다린 시간
            APC 큐 N, x/대기  스레드에 쌓인 완료 루틴; Alertable 대기 한 번에
                       실행한 루틴 수  [SleepEx / WaitForMultipleObjectsEx]
            이벤트 N개, x/깨움  그룹의 이벤트 수; 깨어날 때마다 거둔 수 [WSAWait...]
            바쁨 막대  지난 샘플에서 스레드의 CPU 시간 / 벽시계 시간

            PgDn: 스레드, 세션, 실습; PgUp: 모드와 키
            """],
        .helpPanels: [
            .en: """
            The threads, the sessions and the hazard lab

            engine: I/O done  the engine thread's own work: requests it saw finish
                       in the kernel a second (reaped from io_uring, or done on
                       epoll readiness); its handlers, if any, are row port-v;
                       sub: requests it submitted to io_uring a second; a worker's
                       N/s inline: handlers run on the posting thread (skip-on-success)
            port:      concurrency value, workers running, those waiting on the
                       port (next = woken first: last in, first out), those in
                       epoll_wait (they do the I/O themselves), waits a second
                       [NumberOfConcurrentThreads, GetQueuedCompletionStatus]
            ran on     the thread that ran the session's last handler, then how
                       many ran its handlers in the last sample, if more than 1
            HAZARD     what the lab switched on (l): each provokes one model's
                       classic failure while traffic flows
            Warnings   lints: a failure the samples show, held 2 s (cleared after
                       5 s without): what is wrong, the Windows concept, what to try

            PgDn: the header, sessions and events; PgUp: what the figures mean
            """,
            .ko: """
            스레드, 세션, 장애 실습

            엔진: I/O 완료  엔진 스레드 자신의 일: 초당 커널에서 끝난 요청
                       (io_uring에서 거둔 것, 또는 epoll 준비 알림에 따라
                       한 것); 핸들러를 돌렸다면 port-v 줄에 나온다;
                       제출: 초당 io_uring에 제출한 요청; 워커의 인라인 N/s:
                       요청을 건 스레드에서 바로 돈 핸들러 (skip-on-success)
            완료 포트  동시 실행 값, 실행 중인 워커, 포트에서 기다리는 워커
                       (다음 = 먼저 깨어남: 나중에 온 것이 먼저), epoll_wait
                       안의 워커(I/O를 직접 함), 초당 대기 진입 수
                       [NumberOfConcurrentThreads, GetQueuedCompletionStatus]
            실행 위치  세션의 마지막 핸들러를 실행한 스레드, 그리고 지난 샘플
                       동안 핸들러를 실행한 스레드 수 (2개 이상일 때)
            장애       장애 실습(l)에서 켠 것: 트래픽이 흐르는 중에 모델마다
                       전형적인 실패를 하나씩 일으킨다
            경고       린트: 샘플에 보이는 실패, 2초 지속되면 뜨고 5초 없으면
                       사라짐: 무엇이 잘못인지, Windows 개념, 해 볼 것

            PgDn: 헤더, 세션, 이벤트 로그; PgUp: 각 수치의 뜻
            """],
        .helpHeader: [
            .en: """
            The header, the sessions table and the events

            sessions   connections open now; accepted / closed since start, closed
                       by reason: peer closed (a zero-byte receive [WSARecv of 0
                       bytes]), reset [WSAECONNRESET], error, shutdown (server stop)
            refused    connections over --max-sessions, closed at once
            in / out   bytes received / sent a second (recv/s counts completions)
            switches   mode switches since start; N finishing in old modes:
                       requests posted before a switch finish in their old mode
            buffer waits  receives that found every buffer lent  [WSAENOBUFS]
            state      recv / send: the session's one request in flight; wait buf:
                       it waits for a receive buffer; closing: its socket closes
            reqs       handlers run for the session; age: since its accept; idle:
                       since its last handler
            Events     mode switches, threads started and retired, event groups,
                       hazards, lints, refusals: a burst of one kind is one line (xN)
            language   --lang ko (or a ko_* locale): these words in Korean; --lang en

            PgUp or the left arrow: the threads, sessions and lab
            """,
            .ko: """
            헤더, 세션 표, 이벤트 로그

            세션       지금 열린 연결; 수락 / 종료는 시작 이후 누계, 종료 이유:
                       상대가 닫음 (0바이트 수신 [0바이트 WSARecv]), 리셋
                       [WSAECONNRESET], 오류, 서버 종료 (서버가 멈춤)
            거부       --max-sessions를 넘은 연결, 바로 닫음
            수신/송신  초당 받은 / 보낸 바이트 (recv/s는 완료 수)
            모드 전환  시작 이후 전환 횟수; 이전 모드로 끝날 요청: 전환 전에
                       건 요청은 원래 모드로 끝난다
            버퍼 대기  모든 수신 버퍼가 빌려져 있어 기다린 수신 수 [WSAENOBUFS]
            상태       수신 중 / 송신 중: 세션의 진행 중인 요청 하나; 버퍼대기:
                       수신 버퍼를 기다림; 닫는 중: 소켓을 닫는 중
            요청       세션의 핸들러 실행 수; 경과: 수락 이후; 유휴: 마지막
                       핸들러 이후
            이벤트 로그  모드 전환, 스레드 시작과 종료, 이벤트 그룹, 장애, 린트,
                       거부: 같은 일이 몰리면 한 줄로 (xN)
            언어       --lang en (또는 ko_*가 아닌 로캘): 영어로; --lang ko: 한국어

            PgUp 또는 왼쪽 화살표: 스레드, 세션, 장애 실습
            """],
    ]
}
