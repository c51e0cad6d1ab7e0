import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension MNIST {
    /// Public mirrors of the four gzipped files, tried in order (Yann LeCun's site refuses scripts).
    static let mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"]

    /// Finds a folder holding all four MNIST files (each gzipped or not).
    ///
    /// Order: `explicit` (`--data DIR`; if incomplete, an error at once), then the `FORGER_DATA`
    /// environment variable, then `data/mnist` in the repository (searched upward from the working
    /// directory and from the executable), then the user cache `$XDG_CACHE_HOME/forger/mnist`
    /// (default `~/.cache/forger/mnist`), which is filled from public mirrors when the machine is online.
    /// Throws `MNISTError.notFound` listing every place tried and why it failed.
    public static func locateDirectory(explicit: String?) throws -> URL {
        try locateDirectory(explicit: explicit, environment: ProcessInfo.processInfo.environment,
                            searchStarts: defaultSearchStarts(), allowDownload: true)
    }

    /// `locateDirectory(explicit:)` with its inputs spelled out, for tests.
    static func locateDirectory(
        explicit: String?, environment: [String: String], searchStarts: [URL], allowDownload: Bool
    ) throws -> URL {
        if let explicit {
            let url = URL(fileURLWithPath: explicit)
            let missing = missingFiles(in: url)
            guard missing.isEmpty else {
                throw MNISTError.notFound(tried: ["\(url.path) (from --data): missing \(missing.joined(separator: ", "))"])
            }
            return url
        }
        var tried: [String] = []
        if let variable = environment["FORGER_DATA"], !variable.isEmpty {
            let url = URL(fileURLWithPath: variable)
            let missing = missingFiles(in: url)
            if missing.isEmpty { return url }
            tried.append("\(url.path) (from FORGER_DATA): missing \(missing.joined(separator: ", "))")
        }
        for start in searchStarts {
            if let found = repositoryCopy(above: start) { return found }
            tried.append("data/mnist in \(start.path) and every folder above it")
        }
        let cache = cacheDirectory(environment: environment)
        if missingFiles(in: cache).isEmpty { return cache }
        guard allowDownload else {
            throw MNISTError.notFound(tried: tried + ["\(cache.path) (user cache): incomplete; downloading disabled"])
        }
        do {
            try download(into: cache)
            return cache
        } catch {
            throw MNISTError.notFound(tried: tried + ["\(cache.path) (user cache): incomplete, and downloading failed: \(error)"])
        }
    }

    /// The working directory and the executable's folder.
    static func defaultSearchStarts() -> [URL] {
        var starts = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            starts.append(executable.deletingLastPathComponent())
        }
        return starts.map(\.standardizedFileURL).reduce(into: []) { unique, url in
            if !unique.contains(url) { unique.append(url) }
        }
    }

    /// The first complete `data/mnist` in `start` or one of its ancestors.
    static func repositoryCopy(above start: URL) -> URL? {
        var folder = start.standardizedFileURL
        while true {
            let candidate = folder.appendingPathComponent("data/mnist")
            if missingFiles(in: candidate).isEmpty { return candidate }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return nil }
            folder = parent
        }
    }

    /// The names (without `.gz`) of the four files absent from `directory`.
    static func missingFiles(in directory: URL) -> [String] {
        Split.allCases.flatMap { split -> [String] in
            let names = fileNames(split)
            return [names.images, names.labels]
        }.filter { existingFile($0, in: directory) == nil }
    }

    static func cacheDirectory(environment: [String: String]) -> URL {
        let base: URL
        if let cache = environment["XDG_CACHE_HOME"], !cache.isEmpty {
            base = URL(fileURLWithPath: cache)
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            base = URL(fileURLWithPath: home).appendingPathComponent(".cache")
        }
        return base.appendingPathComponent("forger/mnist")
    }

    /// Downloads each missing file from the first mirror that serves a valid IDX file.
    ///
    /// Every file is parsed before it is kept and written atomically (a temporary file in the
    /// cache folder, then a rename), so an interrupted download never leaves a partial file behind.
    static func download(into directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in missingFiles(in: directory) {
            var failures: [String] = []
            var saved = false
            for mirror in mirrors where !saved {
                guard let url = URL(string: mirror + name + ".gz") else { continue }
                do {
                    let bytes = try fetch(url)
                    _ = try IDXFile(contentsOf: bytes, name: url.absoluteString, expectedRank: name.contains("idx3") ? 3 : 1)
                    try Data(bytes).write(to: directory.appendingPathComponent(name + ".gz"), options: .atomic)
                    saved = true
                } catch {
                    failures.append("\(url.absoluteString): \(error)")
                }
            }
            if !saved { throw DownloadError(description: failures.joined(separator: "; ")) }
        }
    }

    /// A blocking GET that accepts only HTTP 200.
    private static func fetch(_ url: URL) throws -> [UInt8] {
        final class Outcome: @unchecked Sendable { var result: Result<[UInt8], DownloadError>? }
        let outcome = Outcome(), done = DispatchSemaphore(value: 0)
        var request = URLRequest(url: url)
        request.timeoutInterval = 60
        URLSession.shared.dataTask(with: request) { data, response, error in
            let status = (response as? HTTPURLResponse)?.statusCode
            if let data, status == 200 {
                outcome.result = .success(Array(data))
            } else {
                let reason = error.map { $0.localizedDescription } ?? "HTTP status \(status.map(String.init) ?? "none")"
                outcome.result = .failure(DownloadError(description: reason))
            }
            done.signal()
        }.resume()
        done.wait()
        return try outcome.result!.get()
    }
}

/// Why a download failed (network error or HTTP status).
struct DownloadError: Error, CustomStringConvertible {
    let description: String
}
