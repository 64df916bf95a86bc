// libFuzzer entry: event lines and partial records (ingest map, reduce, merge)
@testable import ChannelIngest
import FuzzDriver

@_cdecl("fuzz_partials_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, fuzz)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    FuzzEntry.partials(bytes)
    return 0
}
