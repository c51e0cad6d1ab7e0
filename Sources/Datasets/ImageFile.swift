import CImageCodecs
import Foundation

/// Reading PNG and JPEG files of any common layout through libpng and libjpeg-turbo, and writing PNG.
///
/// The format is recognised by the file's first bytes, not its name. Decoding never ends the
/// process: a truncated, corrupt or unsupported file throws `ImageFileError` naming the file.
/// Forger's own `PNG.decode` (8-bit, non-interlaced only) is the naive twin the tests compare against.
public enum ImageFile {
    public enum Format: String, Sendable {
        case png = "PNG"
        case jpeg = "JPEG"
    }

    /// File name extensions (lower case) that folder listings treat as images.
    public static let fileExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// The format whose signature `bytes` start with: PNG's 8-byte signature, or JPEG's SOI marker
    /// followed by the start of another marker (FF D8 FF).
    public static func format(of bytes: [UInt8]) -> Format? {
        if bytes.starts(with: PNG.signature) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    /// Decodes a PNG or JPEG held in memory; `name` is how errors refer to it.
    ///
    /// With `channels` nil the result keeps the file's colour but drops alpha: 1 channel for gray
    /// (and gray + alpha), 3 for RGB, RGBA and palette images. With `channels` 1 or 3 the result is
    /// converted as `Image.converted(toChannels:)` (Pillow's `convert("L")` / `convert("RGB")`).
    /// PNG: every bit depth (16-bit keeps the high byte), palettes, transparency and interlacing.
    /// JPEG: baseline and progressive, gray or colour; CMYK is `unsupported`.
    public static func decode(_ bytes: [UInt8], name: String = "image", channels: Int? = nil) throws -> Image {
        if let channels, channels != 1 && channels != 3 {
            throw ImageFileError.invalidChannelCount(file: name, requested: channels)
        }
        guard let format = format(of: bytes) else {
            throw ImageFileError.unknownFormat(file: name, firstBytes: Array(bytes.prefix(8)))
        }
        var decoded = image_codecs_image()
        defer { image_codecs_release(&decoded) }
        let status = bytes.withUnsafeBufferPointer { buffer in
            switch format {
            case .png: return image_codecs_decode_png(buffer.baseAddress, buffer.count, &decoded)
            case .jpeg: return image_codecs_decode_jpeg(buffer.baseAddress, buffer.count, &decoded)
            }
        }
        guard status == IMAGE_CODECS_OK else {
            throw ImageFileError(status: status, file: name, format: format, detail: message(of: &decoded))
        }
        let count = Int(decoded.width) * Int(decoded.height) * Int(decoded.channels)
        let pixels = Array(UnsafeBufferPointer(start: decoded.pixels, count: count))
        let image = Image(width: Int(decoded.width), height: Int(decoded.height), channels: Int(decoded.channels), pixels: pixels)
        return image.converted(toChannels: channels ?? (image.channels <= 2 ? 1 : 3))
    }

    /// Reads and decodes the PNG or JPEG file at `url` (see `decode(_:name:channels:)`).
    public static func read(_ url: URL, channels: Int? = nil) throws -> Image {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw ImageFileError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        return try decode(bytes, name: url.path, channels: channels)
    }

    /// Writes a gray or RGB image as PNG, atomically (a temporary file beside `url`, then a rename).
    public static func writePNG(_ image: Image, to url: URL) throws {
        try PNG.write(width: image.width, height: image.height, channels: image.channels, pixels: image.pixels, to: url)
    }

    /// The image files directly inside `folder` (by extension, case-insensitive), sorted by name.
    public static func files(in folder: URL) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ImageFileError.unreadable(file: folder.path, reason: "no such folder")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw ImageFileError.unreadable(file: folder.path, reason: error.localizedDescription)
        }
        return names.filter { fileExtensions.contains(($0 as NSString).pathExtension.lowercased()) && !$0.hasPrefix(".") }
            .sorted()
            .map { folder.appendingPathComponent($0) }
    }

    private static func message(of image: inout image_codecs_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

/// An image file that cannot be read, with the file's name and what is wrong.
public enum ImageFileError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case unknownFormat(file: String, firstBytes: [UInt8])
    case truncated(file: String, format: ImageFile.Format, detail: String)
    case corrupt(file: String, format: ImageFile.Format, detail: String)
    case unsupported(file: String, format: ImageFile.Format, detail: String)
    case tooLarge(file: String, format: ImageFile.Format, detail: String)
    case invalidChannelCount(file: String, requested: Int)

    init(status: image_codecs_status, file: String, format: ImageFile.Format, detail: String) {
        switch status {
        case IMAGE_CODECS_TRUNCATED: self = .truncated(file: file, format: format, detail: detail)
        case IMAGE_CODECS_UNSUPPORTED: self = .unsupported(file: file, format: format, detail: detail)
        case IMAGE_CODECS_TOO_LARGE: self = .tooLarge(file: file, format: format, detail: detail)
        default: self = .corrupt(file: file, format: format, detail: detail)
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot read: \(reason)"
        case .unknownFormat(let file, let firstBytes):
            let hex = firstBytes.map { String(format: "%02x", $0) }.joined(separator: " ")
            return "\(file): not a PNG or JPEG file (starts with \(hex.isEmpty ? "nothing: empty file" : hex))"
        case .truncated(let file, let format, let detail):
            return "\(file): truncated \(format.rawValue) file (\(detail))"
        case .corrupt(let file, let format, let detail):
            return "\(file): corrupt \(format.rawValue) file (\(detail))"
        case .unsupported(let file, let format, let detail):
            return "\(file): unsupported \(format.rawValue) file (\(detail))"
        case .tooLarge(let file, let format, let detail):
            return "\(file): \(format.rawValue) image too large (\(detail))"
        case .invalidChannelCount(let file, let requested):
            return "\(file): images convert to 1 (gray) or 3 (RGB) channels, not \(requested)"
        }
    }
}
