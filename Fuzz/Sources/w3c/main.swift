// libFuzzer entry: W3C extended logs (CloudFront, IIS), headers included
@testable import ChannelIngest
import FuzzDriver

@_cdecl("fuzz_w3c_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, fuzz)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    FuzzEntry.lines(.w3c, bytes)
    return 0
}
