import Kernels

/// 2-D convolution and its two adjoints. The three ops are closed under differentiation, so
/// gradients of gradients (WGAN-GP, R1) flow through convolutional networks.
///
/// Layouts follow PyTorch: input `[N, C, H, W]`; Conv2d weight `[out, in, kh, kw]`;
/// ConvTranspose2d weight `[in, out, kh, kw]`. Bias is added separately by the layers.
extension Tensor {
    /// Cross-correlation of `input` `[N, IC, H, W]` with `weight` `[OC, IC, KH, KW]`.
    ///
    /// Derivative: input ← transposed convolution of the gradient; weight ← `convolutionWeightGradient`.
    public static func conv2d(_ input: Tensor, _ weight: Tensor, stride: Int = 1, padding: Int = 0, dilation: Int = 1) -> Tensor {
        precondition(input.rank == 4 && weight.rank == 4 && input.shape[1] == weight.shape[1],
                     "conv2d needs input [N, C, H, W] and weight [O, C, KH, KW] with equal C, got \(input.shape) and \(weight.shape)")
        let geometry = ConvolutionGeometry(
            batch: input.shape[0], inputChannels: input.shape[1], inputHeight: input.shape[2], inputWidth: input.shape[3],
            outputChannels: weight.shape[0], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
            strideHeight: stride, strideWidth: stride, paddingHeight: padding, paddingWidth: padding,
            dilationHeight: dilation, dilationWidth: dilation)
        precondition(geometry.outputHeight > 0 && geometry.outputWidth > 0,
                     "conv2d kernel \(weight.shape) does not fit input \(input.shape) with padding \(padding)")
        return convolution(input, weight, geometry)
    }

    /// Transposed convolution of `input` `[N, IC, H, W]` with `weight` `[IC, OC, KH, KW]`.
    ///
    /// Output side: (H − 1)·stride − 2·padding + dilation·(KH − 1) + outputPadding + 1.
    /// It is the adjoint of `conv2d` with the same weight, so its derivative is a convolution.
    public static func convTranspose2d(
        _ input: Tensor, _ weight: Tensor, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0, dilation: Int = 1
    ) -> Tensor {
        precondition(input.rank == 4 && weight.rank == 4 && input.shape[1] == weight.shape[0],
                     "convTranspose2d needs input [N, C, H, W] and weight [C, O, KH, KW], got \(input.shape) and \(weight.shape)")
        precondition(outputPadding < Swift.max(stride, dilation), "outputPadding must be smaller than stride or dilation")
        let side = { (extent: Int, kernel: Int) in (extent - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1 }
        let geometry = ConvolutionGeometry(
            batch: input.shape[0], inputChannels: weight.shape[1],
            inputHeight: side(input.shape[2], weight.shape[2]), inputWidth: side(input.shape[3], weight.shape[3]),
            outputChannels: weight.shape[0], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
            strideHeight: stride, strideWidth: stride, paddingHeight: padding, paddingWidth: padding,
            dilationHeight: dilation, dilationWidth: dilation)
        precondition(geometry.outputHeight == input.shape[2] && geometry.outputWidth == input.shape[3],
                     "convTranspose2d geometry is inconsistent for input \(input.shape)")
        return convolutionInputGradient(input, weight, geometry)
    }

    /// Multiply-adds of one pass of any of the three convolution ops, times two.
    static func flops(_ geometry: ConvolutionGeometry) -> Int {
        2 * geometry.batch * geometry.outputChannels * geometry.outputHeight * geometry.outputWidth
            * geometry.inputChannels * geometry.kernelHeight * geometry.kernelWidth
    }

    static func convolution(_ input: Tensor, _ weight: Tensor, _ geometry: ConvolutionGeometry) -> Tensor {
        FlopCounter.add(flops(geometry))
        let result = Tensor.uninitialized([geometry.batch, geometry.outputChannels, geometry.outputHeight, geometry.outputWidth])
        Kernels.conv2d(input: input.storage.pointer, weight: weight.storage.pointer, output: result.storage.pointer, geometry: geometry)
        return result.recorded(from: [input, weight]) { gradient, needed in
            [needed[0] ? convolutionInputGradient(gradient, weight, geometry) : nil,
             needed[1] ? convolutionWeightGradient(input, gradient, geometry) : nil]
        }
    }

    /// The input-side adjoint of `convolution` (the transposed convolution).
    static func convolutionInputGradient(_ outputGradient: Tensor, _ weight: Tensor, _ geometry: ConvolutionGeometry) -> Tensor {
        FlopCounter.add(flops(geometry))
        let result = Tensor.uninitialized([geometry.batch, geometry.inputChannels, geometry.inputHeight, geometry.inputWidth])
        Kernels.conv2dInputGradient(
            outputGradient: outputGradient.storage.pointer, weight: weight.storage.pointer,
            inputGradient: result.storage.pointer, geometry: geometry)
        return result.recorded(from: [outputGradient, weight]) { gradient, needed in
            [needed[0] ? convolution(gradient, weight, geometry) : nil,
             needed[1] ? convolutionWeightGradient(gradient, outputGradient, geometry) : nil]
        }
    }

    /// The weight-side adjoint of `convolution`: Σ over batch and positions of input × output gradient.
    static func convolutionWeightGradient(_ input: Tensor, _ outputGradient: Tensor, _ geometry: ConvolutionGeometry) -> Tensor {
        FlopCounter.add(flops(geometry))
        let result = Tensor.uninitialized([geometry.outputChannels, geometry.inputChannels, geometry.kernelHeight, geometry.kernelWidth])
        Kernels.conv2dWeightGradient(
            input: input.storage.pointer, outputGradient: outputGradient.storage.pointer,
            weightGradient: result.storage.pointer, geometry: geometry)
        return result.recorded(from: [input, outputGradient]) { gradient, needed in
            [needed[0] ? convolutionInputGradient(outputGradient, gradient, geometry) : nil,
             needed[1] ? convolution(input, gradient, geometry) : nil]
        }
    }
}
