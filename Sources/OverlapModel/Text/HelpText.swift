/// The help overlay's pages, in every language: the long texts of the string
/// table, apart from its short phrases. Each line at most 76 columns, each
/// page at most 20 lines (tests hold both), so every page fits 80x24 whole.
extension StringTable {
    static let helpPages: [Phrase: [Language: String]] = [
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
