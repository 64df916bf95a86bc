// libFuzzer entry: combined, common and vhost_combined lines (the first byte picks one)
@testable import ChannelIngest
import FuzzDriver

@_cdecl("fuzz_ncsa_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, fuzz)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    FuzzEntry.lines(oneOf: [.combined, .common, .vhostCombined], bytes)
    return 0
}
