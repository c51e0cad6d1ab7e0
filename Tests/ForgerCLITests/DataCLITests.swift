import Foundation
import XCTest

/// `forger data make-pairs` and `forger data pairs`, run as the built binary.
extension CLITests {
    func testMakePairsWritesTheThreeSplits() throws {
        let out = workspace.appendingPathComponent("edges")
        let output = try forger(["data", "make-pairs", "--task", "edges", "--out", out.path, "--limit", "3", "--seed", "1"]).output
        XCTAssertTrue(output.contains("3 train, 3 val, 3 test"), output)
        for split in ["train", "val", "test"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent(split).path).sorted()
            XCTAssertEqual(names, ["00000.png", "00001.png", "00002.png", "labels.txt"], split)
        }
        let again = try forger(["data", "make-pairs", "--task", "edges", "--out", out.path, "--limit", "3"], expectSuccess: false)
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.output.contains("already holds files"), again.output)
        let unknown = try forger(["data", "make-pairs", "--task", "colour", "--out", out.path], expectSuccess: false)
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.output.contains("edges"), unknown.output)
    }

    func testPairsJoinsFoldersAndReportsMismatches() throws {
        let edges = workspace.appendingPathComponent("edges")
        try forger(["data", "make-pairs", "--task", "superres", "--out", edges.path, "--limit", "2"])
        // Two folders of aligned images: the same 64×32 files under both names, and one extra.
        let (a, b) = (workspace.appendingPathComponent("a"), workspace.appendingPathComponent("b"))
        for folder in [a, b] {
            try FileManager.default.copyItem(at: edges.appendingPathComponent("test"), to: folder)
            try FileManager.default.removeItem(at: folder.appendingPathComponent("labels.txt"))
        }
        let out = workspace.appendingPathComponent("joined")
        let joined = try forger(["data", "pairs", "--from", a.path, "--to", b.path, "--out", out.path]).output
        XCTAssertTrue(joined.contains("Wrote 2 A|B pairs"), joined)
        let pair = try Data(contentsOf: out.appendingPathComponent("00000.png"))
        XCTAssertEqual(pair[16..<24], Data([0, 0, 0, 128, 0, 0, 0, 32]), "IHDR: 128 wide, 32 high")

        try FileManager.default.copyItem(at: a.appendingPathComponent("00000.png"), to: a.appendingPathComponent("extra.png"))
        let mismatch = try forger(["data", "pairs", "--from", a.path, "--to", b.path, "--out", workspace.appendingPathComponent("x").path],
                                  expectSuccess: false)
        XCTAssertEqual(mismatch.status, 1)
        XCTAssertTrue(mismatch.output.contains("error: file names do not match (only in --from: extra.png)"), mismatch.output)

        try FileManager.default.removeItem(at: a.appendingPathComponent("extra.png"))
        try Data([0xFF, 0xD8, 0xFF, 0xDB, 0x00]).write(to: b.appendingPathComponent("00001.png"))
        let corrupt = try forger(["data", "pairs", "--from", a.path, "--to", b.path, "--out", workspace.appendingPathComponent("y").path],
                                 expectSuccess: false)
        XCTAssertEqual(corrupt.status, 1)
        XCTAssertTrue(corrupt.output.contains("00001.png: truncated JPEG file"), corrupt.output)
        XCTAssertFalse(corrupt.output.contains("Fatal error"), corrupt.output)
    }
}
