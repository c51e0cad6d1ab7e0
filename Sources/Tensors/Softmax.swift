extension Tensor {
    /// log softmax along `axis`: x − max − log Σ exp(x − max), composed from primitives.
    ///
    /// Subtracting the (detached) maximum keeps every exponent ≤ 0, so large logits neither overflow
    /// nor lose the answer; the maximum needs no gradient because log softmax does not change when a
    /// constant is added along the axis.
    public func logSoftmax(alongAxis axis: Int) -> Tensor {
        let shifted = self - max(alongAxes: [axis], keepingDimensions: true).detached()
        return shifted - shifted.exp().summed(alongAxes: [axis], keepingDimensions: true).log()
    }

    /// softmax along `axis` (probabilities summing to 1), as exp of `logSoftmax`.
    public func softmax(alongAxis axis: Int) -> Tensor { logSoftmax(alongAxis: axis).exp() }
}
