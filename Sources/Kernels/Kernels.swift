import CKernels
public struct ConvolutionGeometry: Hashable, Sendable {
    public var batch, inputChannels, inputHeight, inputWidth, outputChannels, kernelHeight, kernelWidth: Int
    public var strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth: Int
    public init(batch: Int, inputChannels: Int, inputHeight: Int, inputWidth: Int, outputChannels: Int, kernelHeight: Int, kernelWidth: Int,
                strideHeight: Int, strideWidth: Int, paddingHeight: Int, paddingWidth: Int, dilationHeight: Int = 1, dilationWidth: Int = 1) {
        self.batch = batch; self.inputChannels = inputChannels; self.inputHeight = inputHeight; self.inputWidth = inputWidth
        self.outputChannels = outputChannels; self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth; self.paddingHeight = paddingHeight; self.paddingWidth = paddingWidth
        self.dilationHeight = dilationHeight; self.dilationWidth = dilationWidth
    }
    public var outputHeight: Int { (inputHeight + 2 * paddingHeight - dilationHeight * (kernelHeight - 1) - 1) / strideHeight + 1 }
    public var outputWidth: Int { (inputWidth + 2 * paddingWidth - dilationWidth * (kernelWidth - 1) - 1) / strideWidth + 1 }
}
public enum Kernels {
    public static var threadCount = 1
    public static func parallelFor(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) { if count > 0 { body(0..<count) } }
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m { for j in 0..<n {
            var s: Float = 0
            for p in 0..<k { s += (transposeA ? a[p * lda + i] : a[i * lda + p]) * (transposeB ? b[j * ldb + p] : b[p * ldb + j]) }
            c[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j])
        } }
    }
    static func each(_ g: ConvolutionGeometry, _ body: (Int, Int) -> Void) {
        for n in 0..<g.batch { for oc in 0..<g.outputChannels { for oh in 0..<g.outputHeight { for ow in 0..<g.outputWidth {
            for ic in 0..<g.inputChannels { for kh in 0..<g.kernelHeight { for kw in 0..<g.kernelWidth {
                let h = oh * g.strideHeight - g.paddingHeight + kh * g.dilationHeight
                let w = ow * g.strideWidth - g.paddingWidth + kw * g.dilationWidth
                guard h >= 0, h < g.inputHeight, w >= 0, w < g.inputWidth else { continue }
                let x = ((n * g.inputChannels + ic) * g.inputHeight + h) * g.inputWidth + w
                let wt = ((oc * g.inputChannels + ic) * g.kernelHeight + kh) * g.kernelWidth + kw
                let y = ((n * g.outputChannels + oc) * g.outputHeight + oh) * g.outputWidth + ow
                body(x, wt * 1_000_000_000 + y)
            } } } } } } }
    }
    public static func conv2d(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, geometry g: ConvolutionGeometry) {
        output.update(repeating: 0, count: g.batch * g.outputChannels * g.outputHeight * g.outputWidth)
        each(g) { x, packed in output[packed % 1_000_000_000] += input[x] * weight[packed / 1_000_000_000] }
    }
    public static func conv2dInputGradient(outputGradient: UnsafePointer<Float>, weight: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>, geometry g: ConvolutionGeometry) {
        inputGradient.update(repeating: 0, count: g.batch * g.inputChannels * g.inputHeight * g.inputWidth)
        each(g) { x, packed in inputGradient[x] += outputGradient[packed % 1_000_000_000] * weight[packed / 1_000_000_000] }
    }
    public static func conv2dWeightGradient(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, weightGradient: UnsafeMutablePointer<Float>, geometry g: ConvolutionGeometry) {
        weightGradient.update(repeating: 0, count: g.outputChannels * g.inputChannels * g.kernelHeight * g.kernelWidth)
        each(g) { x, packed in weightGradient[packed / 1_000_000_000] += outputGradient[packed % 1_000_000_000] * input[x] }
    }
}
