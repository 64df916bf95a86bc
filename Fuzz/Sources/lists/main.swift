// libFuzzer entry: --referrer-db and --bot-db YAML files, and the regex literal prefilter
@testable import ChannelIngest
import FuzzDriver

@_cdecl("fuzz_lists_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, fuzz)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    FuzzEntry.lists(bytes)
    return 0
}
