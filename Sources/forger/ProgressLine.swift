import Foundation
import GANs

/// The live status line: rewritten in place on a terminal, a plain log line every few seconds otherwise.
final class ProgressLine {
    private let isTerminal = isatty(STDOUT_FILENO) != 0
    private var lastPrinted = Date.distantPast

    /// Shows one step; translation runs also pass G's L1 term (and their D scores are D(x, y) and D(x, G(x))).
    func show(_ report: ProgressReport, l1: Float? = nil) {
        let scores = l1 == nil ? "D(x) %.3f  D(G(z)) %.3f" : "D(x,y) %.3f  D(x,G(x)) %.3f"
        let text = String(
            format: "step %d/%d  epoch %d  D loss %.4f  G loss %.4f  \(scores)\(l1.map { String(format: "  L1 %.4f", $0) } ?? "")  %.0f img/s  ETA %@",
            report.step, report.totalSteps, report.epoch + 1, report.metrics.discriminatorLoss, report.metrics.generatorLoss,
            report.metrics.realScore, report.metrics.fakeScore, report.imagesPerSecond, Self.duration(report.secondsRemaining))
        if isTerminal {
            FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + text).utf8))
        } else if Date().timeIntervalSince(lastPrinted) >= 5 || report.step == report.totalSteps {
            print(text)
            lastPrinted = Date()
        }
    }

    func finish() { if isTerminal { print("") } }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600 ? String(format: "%dh%02dm", total / 3600, total % 3600 / 60)
            : String(format: "%dm%02ds", total / 60, total % 60)
    }
}
