import CKernels

/// Geometry of a 2-D convolution over NCHW data; the same value describes the matching transposed
/// convolution, whose output is this convolution's input.
public struct ConvolutionGeometry: Hashable, Sendable {
    public var batch, inputChannels, inputHeight, inputWidth, outputChannels, kernelHeight, kernelWidth: Int
    public var strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth: Int

    public init(
        batch: Int, inputChannels: Int, inputHeight: Int, inputWidth: Int, outputChannels: Int,
        kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
        paddingHeight: Int, paddingWidth: Int, dilationHeight: Int = 1, dilationWidth: Int = 1
    ) {
        (self.batch, self.inputChannels, self.inputHeight, self.inputWidth) = (batch, inputChannels, inputHeight, inputWidth)
        (self.outputChannels, self.kernelHeight, self.kernelWidth) = (outputChannels, kernelHeight, kernelWidth)
        (self.strideHeight, self.strideWidth, self.paddingHeight, self.paddingWidth) = (strideHeight, strideWidth, paddingHeight, paddingWidth)
        (self.dilationHeight, self.dilationWidth) = (dilationHeight, dilationWidth)
    }

    /// (H + 2p − d(k − 1) − 1) / s + 1.
    public var outputHeight: Int { (inputHeight + 2 * paddingHeight - dilationHeight * (kernelHeight - 1) - 1) / strideHeight + 1 }
    /// (W + 2p − d(k − 1) − 1) / s + 1.
    public var outputWidth: Int { (inputWidth + 2 * paddingWidth - dilationWidth * (kernelWidth - 1) - 1) / strideWidth + 1 }
    public var inputCount: Int { batch * inputChannels * inputHeight * inputWidth }
    public var weightCount: Int { outputChannels * inputChannels * kernelHeight * kernelWidth }
    public var outputCount: Int { batch * outputChannels * outputHeight * outputWidth }

    var c: ck_conv_geometry {
        ck_conv_geometry(
            batch: batch, in_channels: inputChannels, in_height: inputHeight, in_width: inputWidth,
            out_channels: outputChannels, kernel_height: kernelHeight, kernel_width: kernelWidth,
            stride_height: strideHeight, stride_width: strideWidth, padding_height: paddingHeight,
            padding_width: paddingWidth, dilation_height: dilationHeight, dilation_width: dilationWidth,
            out_height: outputHeight, out_width: outputWidth)
    }
}

extension Kernels {
    /// output `[N, OC, OH, OW]` = cross-correlation of input `[N, IC, H, W]` with weight `[OC, IC, KH, KW]`; no bias.
    public static func conv2d(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, geometry: ConvolutionGeometry) {
        var g = geometry.c
        ck_conv2d(&g, input, weight, output)
    }

    /// inputGradient `[N, IC, H, W]` from outputGradient `[N, OC, OH, OW]`: also the transposed
    /// convolution's forward pass (PyTorch's ConvTranspose2d weight `[in, out, kh, kw]` is this weight).
    public static func conv2dInputGradient(outputGradient: UnsafePointer<Float>, weight: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>, geometry: ConvolutionGeometry) {
        var g = geometry.c
        ck_conv2d_input_gradient(&g, outputGradient, weight, inputGradient)
    }

    /// weightGradient `[OC, IC, KH, KW]`, summed over the batch and every output position.
    public static func conv2dWeightGradient(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, weightGradient: UnsafeMutablePointer<Float>, geometry: ConvolutionGeometry) {
        var g = geometry.c
        ck_conv2d_weight_gradient(&g, input, outputGradient, weightGradient)
    }

    /// Calls `body(inputOffset, weightOffset, outputOffset)` for every multiply-add of the convolution.
    private static func forEachTap(_ g: ConvolutionGeometry, _ body: (Int, Int, Int) -> Void) {
        for n in 0..<g.batch { for oc in 0..<g.outputChannels { for oh in 0..<g.outputHeight { for ow in 0..<g.outputWidth {
            let output = ((n * g.outputChannels + oc) * g.outputHeight + oh) * g.outputWidth + ow
            for ic in 0..<g.inputChannels { for kh in 0..<g.kernelHeight { for kw in 0..<g.kernelWidth {
                let y = oh * g.strideHeight - g.paddingHeight + kh * g.dilationHeight
                let x = ow * g.strideWidth - g.paddingWidth + kw * g.dilationWidth
                guard y >= 0, y < g.inputHeight, x >= 0, x < g.inputWidth else { continue }
                body(((n * g.inputChannels + ic) * g.inputHeight + y) * g.inputWidth + x,
                     ((oc * g.inputChannels + ic) * g.kernelHeight + kh) * g.kernelWidth + kw, output)
            } } }
        } } } }
    }

    /// Direct-loop twin of `conv2d`.
    public static func naiveConv2d(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, geometry: ConvolutionGeometry) {
        output.update(repeating: 0, count: geometry.outputCount)
        forEachTap(geometry) { x, w, y in output[y] += input[x] * weight[w] }
    }

    /// Direct-loop twin of `conv2dInputGradient`.
    public static func naiveConv2dInputGradient(outputGradient: UnsafePointer<Float>, weight: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>, geometry: ConvolutionGeometry) {
        inputGradient.update(repeating: 0, count: geometry.inputCount)
        forEachTap(geometry) { x, w, y in inputGradient[x] += outputGradient[y] * weight[w] }
    }

    /// Direct-loop twin of `conv2dWeightGradient`.
    public static func naiveConv2dWeightGradient(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, weightGradient: UnsafeMutablePointer<Float>, geometry: ConvolutionGeometry) {
        weightGradient.update(repeating: 0, count: geometry.weightCount)
        forEachTap(geometry) { x, w, y in weightGradient[w] += input[x] * outputGradient[y] }
    }
}
