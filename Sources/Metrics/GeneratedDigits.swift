import Datasets
import GANs
import Tensors

/// Images from `model`'s generator, shaped for the MNIST classifier: `[count, 1, 28, 28]` in [-1, 1].
///
/// The noise, `[count, latentDimension]` from N(0, 1), is drawn at once from `RandomGenerator(seed:)`,
/// so the images do not depend on `batchSize`. The generator runs in evaluation mode (BatchNorm
/// running statistics, no dropout) and is put back in its previous mode afterwards. Models that
/// generate another side (`dcgan64`) are resized to 28×28 bilinearly (half-pixel centres, no
/// antialiasing). Throws for images that are not single-channel.
public func generatedDigits(model: GANModel, count: Int, seed: UInt64, labels: [Int] = [], batchSize: Int = 250) throws -> Tensor {
    guard model.imageShape.count == 3, model.imageShape.first == 1 else {
        throw ClassifierError("the MNIST metrics need single-channel images; this model generates \(model.imageShape)")
    }
    let samples = generatedSamples(model: model, count: count, seed: seed, labels: labels, batchSize: batchSize)
    return samples.shape[2] == 28 && samples.shape[3] == 28 ? samples : resizeBilinear(samples, height: 28, width: 28)
}

/// `count` samples `[count] + model.imageShape` from `model`'s generator as it makes them (images,
/// stacked images or 2-D points), with the noise protocol of `generatedDigits`: `[count, latent]`
/// from N(0, 1) drawn at once from `RandomGenerator(seed:)`, G in evaluation mode (restored after).
public func generatedSamples(model: GANModel, count: Int, seed: UInt64, labels: [Int] = [], batchSize: Int = 250) -> Tensor {
    precondition(count > 0 && batchSize > 0, "count and batch size must be positive")
    precondition(labels.isEmpty || labels.count == count, "one label per sample, or none")
    var random = RandomGenerator(seed: seed)
    let noise = Tensor.randomNormal([count, model.latentDimension], generator: &random)
    let wasTraining = model.generator.isTraining
    model.generator.eval()
    defer { model.generator.isTraining = wasTraining }
    var batches: [Tensor] = []
    withoutGradients {
        for start in stride(from: 0, to: count, by: batchSize) {
            let rows = start..<min(start + batchSize, count)
            batches.append(model.generate(noise.sliced(axis: 0, rows), labels: labels.isEmpty ? [] : Array(labels[rows])))
        }
    }
    return Tensor.concatenating(batches, alongAxis: 0)
}
