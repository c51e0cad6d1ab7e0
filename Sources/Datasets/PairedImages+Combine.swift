import Foundation

extension PairedImages {
    /// Writes A|B PNG files from two folders of aligned images (`forger data pairs`), returning how
    /// many pairs each output folder received.
    ///
    /// Files pair up by name without extension (`a/0001.jpg` with `b/0001.png`); every file must
    /// have a partner, and partners must have the same width and height. A pair is written as
    /// `<out>/<name>.png`, RGB when either side is in colour, else gray. When `from` has `train/`,
    /// `val/` or `test/` folders, each is paired with the same folder in `to` and written to the same
    /// folder in `out` (as the reference's `combine_A_and_B.py`). Output folders must be empty or
    /// new, so a smaller second run never leaves stale pairs behind; names are checked before anything
    /// is written, and on a later error (an unreadable file, sizes that differ) the written pairs are removed.
    public static func combine(from: URL, to: URL, out: URL) throws -> [(folder: URL, count: Int)] {
        let splits = Split.allCases.map(\.rawValue).filter { isDirectory(from.appendingPathComponent($0)) }
        let jobs = splits.isEmpty ? [(from, to, out)]
            : splits.map { (from.appendingPathComponent($0), to.appendingPathComponent($0), out.appendingPathComponent($0)) }
        // Check every folder's names before writing anything, so a mismatch leaves no partial output.
        let plans = try jobs.map { source, target, destination in
            guard isDirectory(target) else { throw PairedImagesError.missingSplit(folder: target.path) }
            return (pairs: try matchedFiles(from: source, to: target), destination: destination)
        }
        for plan in plans { try prepareEmptyFolder(plan.destination) }
        var written: [URL] = []
        do {
            for plan in plans {
                for (a, b) in plan.pairs {
                    let url = plan.destination.appendingPathComponent(a.deletingPathExtension().lastPathComponent + ".png")
                    try ImageFile.writePNG(combined(a, b), to: url)
                    written.append(url)
                }
            }
        } catch {
            // The folders were empty before, so removing what this call wrote restores them.
            for url in written { try? FileManager.default.removeItem(at: url) }
            throw error
        }
        return plans.map { ($0.destination, $0.pairs.count) }
    }

    /// The files of `from` and their partners in `to`, in name order.
    static func matchedFiles(from: URL, to: URL) throws -> [(URL, URL)] {
        let sources = try ImageFile.files(in: from), targets = try ImageFile.files(in: to)
        guard !sources.isEmpty else { throw PairedImagesError.noImages(folder: from.path) }
        let sourceNames = try uniqueStems(sources, folder: from), targetNames = try uniqueStems(targets, folder: to)
        let onlyInFrom = sources.filter { targetNames[stem($0)] == nil }.map(\.lastPathComponent)
        let onlyInTo = targets.filter { sourceNames[stem($0)] == nil }.map(\.lastPathComponent)
        guard onlyInFrom.isEmpty && onlyInTo.isEmpty else {
            throw PairedImagesError.unmatched(onlyInFrom: onlyInFrom, onlyInTo: onlyInTo)
        }
        return sources.map { ($0, targetNames[stem($0)]!) }
    }

    /// One A|B image from the files `a` and `b`.
    static func combined(_ a: URL, _ b: URL) throws -> Image {
        let left = try ImageFile.read(a), right = try ImageFile.read(b)
        guard left.width == right.width && left.height == right.height else {
            throw PairedImagesError.sizeMismatch(from: a.path, fromSize: "\(left.width)×\(left.height)",
                                                 to: b.path, toSize: "\(right.width)×\(right.height)")
        }
        let channels = max(left.channels, right.channels)
        return Image.sideBySide(left.converted(toChannels: channels), right.converted(toChannels: channels))
    }

    /// Creates `folder` if needed; throws if it already holds anything.
    static func prepareEmptyFolder(_ folder: URL) throws {
        let manager = FileManager.default
        if let contents = try? manager.contentsOfDirectory(atPath: folder.path), !contents.isEmpty {
            throw PairedImagesError.outputNotEmpty(folder: folder.path)
        }
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw PairedImagesError.cannotCreate(folder: folder.path, reason: error.localizedDescription)
        }
    }

    private static func uniqueStems(_ files: [URL], folder: URL) throws -> [String: URL] {
        var byStem: [String: URL] = [:]
        for file in files {
            if let earlier = byStem.updateValue(file, forKey: stem(file)) {
                throw PairedImagesError.ambiguousName(folder: folder.path, names: [earlier.lastPathComponent, file.lastPathComponent])
            }
        }
        return byStem
    }

    private static func stem(_ file: URL) -> String { file.deletingPathExtension().lastPathComponent }

    private static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
