import Testing

/// Every core test runs one at a time: the server tests count this process's
/// descriptors and lower its descriptor limit, so nothing may run beside them.
@Suite(.serialized)
enum CoreTests {}
