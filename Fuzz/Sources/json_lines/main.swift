// libFuzzer entry: Caddy, Cloudflare and mapped JSON lines (the first byte picks one)
@testable import ChannelIngest
import FuzzDriver

@_cdecl("fuzz_json_lines_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, fuzz)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let formats: [LogFormat] = [.caddy, .cloudflare, .json]
    guard size > 0 else { return 0 }
    FuzzEntry.lines(formats[Int(bytes[0]) % 3], UnsafeRawBufferPointer(rebasing: bytes.dropFirst()))
    return 0
}
