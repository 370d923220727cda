import Glibc
import LeaseLog

/// The harnesses' one flag of their own, `--write-seeds DIR`: writes the harness's seed
/// corpus into DIR and exits, before libFuzzer reads the command line (it is handled in
/// `LLVMFuzzerInitialize`, which libFuzzer calls first).
public enum SeedWriter {
    /// One seed: a file name and its bytes.
    public typealias Seed = (name: String, bytes: [UInt8])

    /// If the arguments are `--write-seeds DIR`, writes `seeds()` there and exits 0.
    public static func handle(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        seeds: () -> [Seed]
    ) {
        let arguments = (0..<Int(argc.pointee)).compactMap { argv.pointee[$0].map { String(cString: $0) } }
        guard let flag = arguments.firstIndex(of: "--write-seeds") else { return }
        guard flag + 1 < arguments.count else {
            fail("usage: \(arguments[0]) --write-seeds DIR", status: 2)
        }
        let directory = arguments[flag + 1]
        let fileSystem = SystemFileSystem()
        do throws(LeaseLogError) {
            try fileSystem.createDirectory(directory)
        } catch {
            fail("cannot create \(directory): \(error)", status: 1)
        }
        for seed in seeds() {
            let path = directory + "/" + seed.name
            let failure = seed.bytes.withUnsafeBytes { bytes -> LeaseLogError? in
                do throws(LeaseLogError) {
                    try fileSystem.writeAtomically(bytes, to: path, directory: directory, sync: false)
                    return nil
                } catch {
                    return error
                }
            }
            if let failure { fail("cannot write \(path): \(failure)", status: 1) }
        }
        exit(0)
    }

    private static func fail(_ message: String, status: Int32) -> Never {
        let line = message + "\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        exit(status)
    }
}
