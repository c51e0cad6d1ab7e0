import Kernels
import XCTest

final class ConvolutionTests: XCTestCase {
    private var defaultThreads = 1
    override func setUp() { defaultThreads = Kernels.threadCount }
    override func tearDown() { Kernels.threadCount = defaultThreads }

    let geometries: [ConvolutionGeometry] = [
        .init(batch: 1, inputChannels: 1, inputHeight: 5, inputWidth: 5, outputChannels: 1, kernelHeight: 3, kernelWidth: 3,
              strideHeight: 1, strideWidth: 1, paddingHeight: 0, paddingWidth: 0),
        .init(batch: 3, inputChannels: 2, inputHeight: 9, inputWidth: 7, outputChannels: 4, kernelHeight: 5, kernelWidth: 5,
              strideHeight: 2, strideWidth: 2, paddingHeight: 2, paddingWidth: 2),
        .init(batch: 2, inputChannels: 3, inputHeight: 8, inputWidth: 8, outputChannels: 5, kernelHeight: 4, kernelWidth: 4,
              strideHeight: 2, strideWidth: 2, paddingHeight: 1, paddingWidth: 1),
        .init(batch: 1, inputChannels: 2, inputHeight: 6, inputWidth: 6, outputChannels: 3, kernelHeight: 1, kernelWidth: 1,
              strideHeight: 1, strideWidth: 1, paddingHeight: 0, paddingWidth: 0),
        .init(batch: 2, inputChannels: 2, inputHeight: 7, inputWidth: 7, outputChannels: 3, kernelHeight: 3, kernelWidth: 3,
              strideHeight: 1, strideWidth: 1, paddingHeight: 2, paddingWidth: 2, dilationHeight: 2, dilationWidth: 2),
        .init(batch: 3, inputChannels: 3, inputHeight: 9, inputWidth: 11, outputChannels: 2, kernelHeight: 3, kernelWidth: 3,
              strideHeight: 2, strideWidth: 2, paddingHeight: 0, paddingWidth: 0),
        .init(batch: 1, inputChannels: 2, inputHeight: 7, inputWidth: 6, outputChannels: 3, kernelHeight: 5, kernelWidth: 3,
              strideHeight: 1, strideWidth: 2, paddingHeight: 2, paddingWidth: 1),
        .init(batch: 3, inputChannels: 4, inputHeight: 5, inputWidth: 5, outputChannels: 2, kernelHeight: 1, kernelWidth: 1,
              strideHeight: 2, strideWidth: 2, paddingHeight: 0, paddingWidth: 0),
        // DCGAN-64 scaled down: k4 s2 p1 halving 8 → 4, and the k4 s1 p0 head to 1×1.
        .init(batch: 3, inputChannels: 8, inputHeight: 8, inputWidth: 8, outputChannels: 16, kernelHeight: 4, kernelWidth: 4,
              strideHeight: 2, strideWidth: 2, paddingHeight: 1, paddingWidth: 1),
        .init(batch: 3, inputChannels: 16, inputHeight: 4, inputWidth: 4, outputChannels: 1, kernelHeight: 4, kernelWidth: 4,
              strideHeight: 1, strideWidth: 1, paddingHeight: 0, paddingWidth: 0),
        // Output padding: an input side that the stride does not divide (DCGAN's 7 → 14 → 28 transposed layers).
        .init(batch: 2, inputChannels: 3, inputHeight: 14, inputWidth: 14, outputChannels: 4, kernelHeight: 5, kernelWidth: 5,
              strideHeight: 2, strideWidth: 2, paddingHeight: 2, paddingWidth: 2),
        // Over 256 output channels and 256 column rows: the blocked GEMM path and two K slices, with
        // columns packed straight from the images.
        .init(batch: 2, inputChannels: 32, inputHeight: 6, inputWidth: 5, outputChannels: 260, kernelHeight: 3, kernelWidth: 3,
              strideHeight: 1, strideWidth: 1, paddingHeight: 1, paddingWidth: 1),
        // 128 input channels at stride 1: the input gradient as a convolution with the flipped kernel
        // (dilated, and with padding short of the kernel's reach).
        .init(batch: 2, inputChannels: 128, inputHeight: 5, inputWidth: 6, outputChannels: 3, kernelHeight: 3, kernelWidth: 3,
              strideHeight: 1, strideWidth: 1, paddingHeight: 1, paddingWidth: 1),
        .init(batch: 1, inputChannels: 130, inputHeight: 7, inputWidth: 6, outputChannels: 2, kernelHeight: 3, kernelWidth: 2,
              strideHeight: 1, strideWidth: 1, paddingHeight: 1, paddingWidth: 0, dilationHeight: 2, dilationWidth: 1),
        // 40 output channels at stride 2: implicit weight gradients over a ragged, strided geometry.
        .init(batch: 2, inputChannels: 3, inputHeight: 9, inputWidth: 9, outputChannels: 40, kernelHeight: 4, kernelWidth: 4,
              strideHeight: 2, strideWidth: 2, paddingHeight: 1, paddingWidth: 1),
        // Column matrices over 2^20 floats for two samples: the column paths (input gradient below 128
        // input channels, weight gradient below 32 output channels) run one sample per group.
        .init(batch: 3, inputChannels: 64, inputHeight: 34, inputWidth: 34, outputChannels: 4, kernelHeight: 3, kernelWidth: 3,
              strideHeight: 1, strideWidth: 1, paddingHeight: 1, paddingWidth: 1),
        // 18 samples interleaved (outputs under 16 wide): full 16-sample panels, panels across two
        // output positions, and weight-gradient columns packed four samples at a time.
        .init(batch: 18, inputChannels: 2, inputHeight: 9, inputWidth: 9, outputChannels: 33, kernelHeight: 3, kernelWidth: 3,
              strideHeight: 2, strideWidth: 2, paddingHeight: 1, paddingWidth: 1),
        // Six samples interleaved at stride 1: images interleaved four samples by four pixels, and two left over.
        .init(batch: 6, inputChannels: 3, inputHeight: 10, inputWidth: 11, outputChannels: 5, kernelHeight: 3, kernelWidth: 3,
              strideHeight: 1, strideWidth: 1, paddingHeight: 1, paddingWidth: 1),
        // Over 2^19 floats of interleaved images per sample: the implicit paths in two groups.
        .init(batch: 4, inputChannels: 700, inputHeight: 27, inputWidth: 27, outputChannels: 32, kernelHeight: 1, kernelWidth: 1,
              strideHeight: 2, strideWidth: 2, paddingHeight: 0, paddingWidth: 0),
        // Padded outputs 17 wide, sample-major: panels whose positions span output rows and samples name
        // their live taps from the positions' bounds.
        .init(batch: 3, inputChannels: 2, inputHeight: 6, inputWidth: 17, outputChannels: 33, kernelHeight: 3, kernelWidth: 3,
              strideHeight: 1, strideWidth: 1, paddingHeight: 1, paddingWidth: 1),
        // Outputs 16 wide: the sample-major implicit layout, weight gradient included.
        .init(batch: 2, inputChannels: 3, inputHeight: 18, inputWidth: 18, outputChannels: 33, kernelHeight: 3, kernelWidth: 3,
              strideHeight: 1, strideWidth: 1, paddingHeight: 0, paddingWidth: 0),
    ]

    func testConvolutionKernelsMatchTheirNaiveTwins() {
        for threads in [1, 2] {
            Kernels.threadCount = threads
            for (index, g) in geometries.enumerated() {
                let x = testValues(g.inputCount, seed: UInt64(index)), w = testValues(g.weightCount, seed: UInt64(index + 10))
                let dy = testValues(g.outputCount, seed: UInt64(index + 20))
                var fast = [Float](repeating: .nan, count: g.outputCount), slow = fast
                Kernels.conv2d(input: x, weight: w, output: &fast, geometry: g)
                Kernels.naiveConv2d(input: x, weight: w, output: &slow, geometry: g)
                assertNearlyEqual(fast, slow, "conv2d geometry \(index)")
                var fastInput = [Float](repeating: .nan, count: g.inputCount), slowInput = fastInput
                Kernels.conv2dInputGradient(outputGradient: dy, weight: w, inputGradient: &fastInput, geometry: g)
                Kernels.naiveConv2dInputGradient(outputGradient: dy, weight: w, inputGradient: &slowInput, geometry: g)
                assertNearlyEqual(fastInput, slowInput, "input gradient geometry \(index)")
                var fastWeight = [Float](repeating: .nan, count: g.weightCount), slowWeight = fastWeight
                Kernels.conv2dWeightGradient(input: x, outputGradient: dy, weightGradient: &fastWeight, geometry: g)
                Kernels.naiveConv2dWeightGradient(input: x, outputGradient: dy, weightGradient: &slowWeight, geometry: g)
                assertNearlyEqual(fastWeight, slowWeight, "weight gradient geometry \(index)")
            }
        }
    }

    func testNaiveConvolutionByHand() {
        let g = ConvolutionGeometry(batch: 1, inputChannels: 1, inputHeight: 3, inputWidth: 3, outputChannels: 1,
                                    kernelHeight: 2, kernelWidth: 2, strideHeight: 1, strideWidth: 1, paddingHeight: 0, paddingWidth: 0)
        var output = [Float](repeating: 0, count: 4)
        Kernels.naiveConv2d(input: [1, 2, 3, 4, 5, 6, 7, 8, 9], weight: [1, 0, 0, -1], output: &output, geometry: g)
        XCTAssertEqual(output, [-4, -4, -4, -4])
        XCTAssertEqual(g.outputHeight, 2)
    }

    func testNaivePaddedConvolutionByHand() {
        let g = ConvolutionGeometry(batch: 1, inputChannels: 1, inputHeight: 2, inputWidth: 2, outputChannels: 1,
                                    kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, paddingHeight: 1, paddingWidth: 1)
        var output = [Float](repeating: .nan, count: 4)
        Kernels.naiveConv2d(input: [1, 2, 3, 4], weight: [Float](repeating: 1, count: 9), output: &output, geometry: g)
        XCTAssertEqual(output, [10, 10, 10, 10])
    }

    /// Stride 2 with a 2×2 kernel: each output gradient spreads over its own 2×2 block of the input.
    func testNaiveInputGradientByHand() {
        let g = ConvolutionGeometry(batch: 1, inputChannels: 1, inputHeight: 4, inputWidth: 4, outputChannels: 1,
                                    kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2, paddingHeight: 0, paddingWidth: 0)
        var gradient = [Float](repeating: .nan, count: 16)
        Kernels.naiveConv2dInputGradient(outputGradient: [1, 2, 3, 4], weight: [1, 10, 100, 1000], inputGradient: &gradient, geometry: g)
        XCTAssertEqual(gradient, [1, 10, 2, 20, 100, 1000, 200, 2000, 3, 30, 4, 40, 300, 3000, 400, 4000])
    }

    func testNaiveWeightGradientByHand() {
        let g = ConvolutionGeometry(batch: 1, inputChannels: 1, inputHeight: 3, inputWidth: 3, outputChannels: 1,
                                    kernelHeight: 2, kernelWidth: 2, strideHeight: 1, strideWidth: 1, paddingHeight: 0, paddingWidth: 0)
        var gradient = [Float](repeating: .nan, count: 4)
        Kernels.naiveConv2dWeightGradient(input: [1, 2, 3, 4, 5, 6, 7, 8, 9], outputGradient: [1, 1, 1, 1], weightGradient: &gradient, geometry: g)
        XCTAssertEqual(gradient, [12, 16, 24, 28])
    }
}
