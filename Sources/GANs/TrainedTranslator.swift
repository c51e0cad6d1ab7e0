import Datasets
import Foundation
import NN
import Tensors

/// The generator of a translation run, loaded alone from a checkpoint (the discriminator and the
/// training state are not read), in evaluation mode: what `forger translate` and evaluation share.
public struct TrainedTranslator {
    public let options: TranslationOptions
    public let model: TranslationModel
    /// The training step the weights come from.
    public let step: Int

    /// The generator of the run at `runURL`, from `checkpoint` (default: the latest).
    public static func load(run runURL: URL, checkpoint: Int? = nil) throws -> TrainedTranslator {
        let run = RunDirectory(url: runURL)
        let options = try run.readTranslationConfiguration()
        guard let step = checkpoint ?? Checkpoint.latestStep(in: run.checkpointsURL) else {
            throw RunError("\(runURL.path) has no checkpoint yet")
        }
        let model = options.makeModel()
        _ = try Checkpoint.load(step: step, from: run.checkpointsURL, model: model, context: nil)
        model.generator.eval()
        return TrainedTranslator(options: options, model: model, step: step)
    }

    /// Normalise with each batch's statistics and keep dropout active, as the reference's `test.py`
    /// does (`true`), or use the running statistics without dropout (`false`, the default).
    public func useBatchStatistics(_ enabled: Bool) {
        if enabled { model.generator.train() } else { model.generator.eval() }
    }

    /// Translations `[N, C_target, S, S]` in [-1, 1] of sources `[N, C_source, S, S]`.
    public func translate(_ source: Tensor) -> Tensor { withoutGradients { model.translate(source) } }

    /// The source tensor `[1, C_source, S, S]` in [-1, 1] for an image file's pixels.
    ///
    /// An image twice as wide as high is read as an A|B pair and its source half (by the run's
    /// direction) is used; any other image is the source as a whole. Channels are converted as
    /// `Image.converted(toChannels:)` and the side resized bilinearly to the run's image size.
    public func source(from image: Image) -> Tensor {
        var input = image
        if image.width == 2 * image.height {
            let half = image.width / 2
            let left = options.direction == .aToB
            input = image.cropped(x: left ? 0 : half, y: 0, width: half, height: image.height)
        }
        let size = options.architecture.imageSize
        let tensor = input.converted(toChannels: options.architecture.sourceChannels).tensor()
        return input.width == size && input.height == size ? tensor : resizeBilinear(tensor, height: size, width: size)
    }
}
