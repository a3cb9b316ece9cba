import OverlapSystem

/// A function run on its own thread; `finish` joins it and returns its result.
final class Background<T: Sendable>: @unchecked Sendable {
    private var result: T?
    private var thread: OSThread?

    init(_ body: @escaping @Sendable () -> T) {
        thread = OSThread(name: "lab-load") { [self] in result = body() }
    }

    func finish() -> T {
        thread?.join()
        thread = nil
        return result!
    }
}
