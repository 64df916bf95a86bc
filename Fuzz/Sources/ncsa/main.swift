// libFuzzer entry: combined, common and vhost_combined lines (the first byte picks one)
@testable import ChannelIngest

// SwiftPM links an executable's `main` to `<module>_main`; with -parse-as-library that is ours,
// and it hands control to libFuzzer's driver (swiftlang/swift-package-manager#4522).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("fuzz_ncsa_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var values = argv
    return LLVMFuzzerRunDriver(&count, &values, fuzz)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let formats: [LogFormat] = [.combined, .common, .vhostCombined]
    guard size > 0 else { return 0 }
    FuzzEntry.lines(formats[Int(bytes[0]) % 3], UnsafeRawBufferPointer(rebasing: bytes.dropFirst()))
    return 0
}
