/// Number formatting shared by the front ends (headless line, dashboard):
/// short, fixed-width-friendly, SI-style.
public enum Format {
    /// 999, 1.2k, 45.6k, 1.23M, 4.5G
    public static func count<T: BinaryInteger>(_ v: T) -> String { count(Double(v)) }

    public static func count(_ v: Double) -> String {
        let a = abs(v)
        if a < 1000 { return a == a.rounded() ? String(Int(v)) : fixed(v, 1) }
        if a < 1e6 { return fixed(v / 1e3, a < 1e4 ? 2 : 1) + "k" }
        if a < 1e9 { return fixed(v / 1e6, a < 1e7 ? 2 : 1) + "M" }
        return fixed(v / 1e9, 2) + "G"
    }

    /// 512 B, 1.5 KiB, 3.2 MiB, 1.1 GiB
    public static func bytes<T: BinaryInteger>(_ v: T) -> String { bytes(Double(v)) }

    public static func bytes(_ v: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var x = v
        var i = 0
        while abs(x) >= 1024 && i < units.count - 1 {
            x /= 1024
            i += 1
        }
        return i == 0 ? "\(Int(x)) B" : fixed(x, x < 10 ? 2 : 1) + " " + units[i]
    }

    /// 0.5s, 12s, 3m05s, 2h07m, 3d04h
    public static func duration(nanos: UInt64) -> String {
        let s = Double(nanos) / 1e9
        if s < 10 { return fixed(s, 1) + "s" }
        let t = Int(s)
        if t < 60 { return "\(t)s" }
        if t < 3600 { return "\(t / 60)m" + pad2(t % 60) + "s" }
        if t < 86400 { return "\(t / 3600)h" + pad2(t % 3600 / 60) + "m" }
        return "\(t / 86400)d" + pad2(t % 86400 / 3600) + "h"
    }

    /// A short latency: "850ns", "12us", "1.5ms", "2.30s" (ASCII "us":
    /// the same on every terminal). Two or three significant digits.
    public static func latency(nanos: UInt64) -> String {
        let v = Double(nanos)
        if v < 1_000 { return "\(nanos)ns" }
        if v < 1_000_000 { return (v < 10_000 ? fixed(v / 1e3, 1) : String(Int((v / 1e3).rounded()))) + "us" }
        if v < 1_000_000_000 { return (v < 1e7 ? fixed(v / 1e6, 1) : String(Int((v / 1e6).rounded()))) + "ms" }
        return fixed(v / 1e9, 2) + "s"
    }

    /// Percentage with no decimals: "42%".
    public static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }

    public static func fixed(_ v: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let r = (v * scale).rounded() / scale
        var s = String(r)
        if let dot = s.firstIndex(of: ".") {
            let have = s.distance(from: dot, to: s.endIndex) - 1
            if decimals == 0 { s = String(s[..<dot]) } else if have < decimals {
                s += String(repeating: "0", count: decimals - have)
            }
        } else if decimals > 0 {
            s += "." + String(repeating: "0", count: decimals)
        }
        return s
    }

    private static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
