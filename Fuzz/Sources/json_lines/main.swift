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
    FuzzEntry.lines(oneOf: [.caddy, .cloudflare, .json], bytes)
    return 0
}
