import Foundation
import XCTest
@testable import ChannelIngest

/// A scratch folder removed when the test ends.
final class TempDir {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        write(name, bytes: Array(text.utf8))
    }

    /// Writes `name` (a path below the directory; its folders are made).
    @discardableResult
    func write(_ name: String, bytes: [UInt8]) -> String {
        let file = url.appendingPathComponent(name)
        try! FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try! Data(bytes).write(to: file)
        return path(name)
    }
}

/// gzip through the system's `gzip`, so the reader is tested against an independent writer.
func gzipBytes(_ text: String) -> [UInt8] {
    let tmp = TempDir()
    let p = tmp.write("x", text)
    let proc = Process()
    proc.executableURL = URL(fileURLWithPath: "/bin/sh")
    proc.arguments = ["-c", "gzip -c -n '\(p)'"]
    let pipe = Pipe()
    proc.standardOutput = pipe
    try! proc.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    proc.waitUntilExit()
    return [UInt8](data)
}

let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"

/// 2026-03-02T00:00:00Z
let day0: Int64 = 1_772_409_600

/// A combined log line at `t` (epoch seconds, written in UTC).
func line(_ ip: String, _ t: Int64, _ target: String, ref: String = "-", ua: String = chrome,
          method: String = "GET", status: Int = 200) -> String {
    "\(ip) - - [\(clf(t))] \"\(method) \(target) HTTP/1.1\" \(status) 1234 \"\(ref)\" \"\(ua)\""
}

func clf(_ t: Int64) -> String {
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    let days = t / 86400
    let (y, m, d) = LogTime.civilFromDays(days)
    let s = Int(t - days * 86400)
    return String(format: "%02d/%@/%04d:%02d:%02d:%02d +0000", d, months[m - 1], y, s / 3600, s / 60 % 60, s % 60)
}

/// Runs a whole job over files holding `files` (each a list of lines) and returns it.
func runJob(_ files: [[String]], site: [String] = ["example.com"], timezone: String = "UTC",
            configure: (inout IngestOptions) -> Void = { _ in }) throws -> IngestJob {
    let dir = TempDir()
    var o = IngestOptions()
    o.siteHosts = site
    o.timezone = timezone
    o.quiet = true
    for (i, lines) in files.enumerated() {
        o.files.append(dir.write("access-\(i).log", lines.joined(separator: "\n") + "\n"))
    }
    configure(&o)
    let job = IngestJob(options: o)
    try job.run()
    return job
}

extension IngestJob {
    func counts(_ channel: Channel) -> TrafficAggregates.Counts? { aggregates.byChannel[channel] }
    var channelSessions: [String: Int] {
        Dictionary(uniqueKeysWithValues: aggregates.byChannel.map { ($0.key.name, $0.value.sessions) })
    }
}

/// Every decompressed byte of an input.
func readToEnd(_ input: DecompressedInput) -> [UInt8] {
    var out = [UInt8]()
    let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: 65536)
    defer { buf.deallocate() }
    while true {
        let n = input.read(into: buf, capacity: 65536)
        if n == 0 { break }
        out.append(contentsOf: UnsafeBufferPointer(start: buf, count: n))
    }
    return out
}
