import Foundation

/// Progress on stderr for long runs on a terminal: bytes done of total, and lines per second.
/// Redrawn at most a few times a second; never used when stderr is not a terminal.
final class ProgressLine {
    private let totalBytes: Int
    private var finishedBytes = 0
    private let started = Date()
    private var lastDraw = Date.distantPast

    init(totalBytes: Int) { self.totalBytes = totalBytes }

    func update(bytesDone current: Int, lines: Int) {
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.25 else { return }
        lastDraw = now
        let done = finishedBytes + current
        let secs = max(now.timeIntervalSince(started), 0.001)
        let pct = totalBytes > 0 ? min(100, done * 100 / totalBytes) : 0
        let text = String(format: "\r  %@ / %@  (%d%%)  %@ lines/s   ",
                          Self.mb(done), Self.mb(totalBytes), pct, Self.si(Double(lines) / secs))
        FileHandle.standardError.write(Data(text.utf8))
    }

    func finishFile(bytes: Int) { finishedBytes += bytes }

    func clear() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    static func mb(_ b: Int) -> String { String(format: "%.1f MB", Double(b) / 1_000_000) }
    static func si(_ v: Double) -> String {
        v >= 1e6 ? String(format: "%.2fM", v / 1e6) : v >= 1e3 ? String(format: "%.0fk", v / 1e3) : String(format: "%.0f", v)
    }
}
