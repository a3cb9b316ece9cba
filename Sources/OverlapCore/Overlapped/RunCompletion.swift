/// Counts a completion as delivered and runs its routine on `thread`.
@inline(__always)
func runCompletion(_ request: Overlapped, on thread: IOThread) {
    thread.assertOnOwner()
    thread.stats.countDelivered(request.kind, request.mode)
    guard let target = request.target else {
        preconditionFailure("completion of a \(request.kind) request that has no target")
    }
    request.target = nil
    target.complete(request, on: thread)
}
