/// A float function that element-wise loops call inline.
///
/// The loops take these as generic values, not closures: a closure captured by the body handed to
/// `parallelFor` is called out of line once per element, which kept every element-wise loop scalar.
/// A concrete type lets the compiler specialise the loop and vectorise it.
protocol ElementFunction { func callAsFunction(_ x: Float) -> Float }

/// A function of two floats that broadcasting loops call inline (see `ElementFunction`).
protocol ElementCombination { func callAsFunction(_ x: Float, _ y: Float) -> Float }

/// Any closure as an `ElementFunction`, for functions (exp, log, tanh) whose own cost dwarfs a call.
struct ElementClosure: ElementFunction {
    let body: (Float) -> Float
    func callAsFunction(_ x: Float) -> Float { body(x) }
}

struct Sum: ElementCombination { func callAsFunction(_ x: Float, _ y: Float) -> Float { x + y } }
struct Maximum: ElementCombination { func callAsFunction(_ x: Float, _ y: Float) -> Float { Swift.max(x, y) } }
struct Difference: ElementCombination { func callAsFunction(_ x: Float, _ y: Float) -> Float { x - y } }
struct Product: ElementCombination { func callAsFunction(_ x: Float, _ y: Float) -> Float { x * y } }
struct Quotient: ElementCombination { func callAsFunction(_ x: Float, _ y: Float) -> Float { x / y } }
struct IsGreater: ElementCombination { func callAsFunction(_ x: Float, _ y: Float) -> Float { x > y ? 1 : 0 } }
struct IsLess: ElementCombination { func callAsFunction(_ x: Float, _ y: Float) -> Float { x < y ? 1 : 0 } }
struct IsEqual: ElementCombination { func callAsFunction(_ x: Float, _ y: Float) -> Float { x == y ? 1 : 0 } }

struct Negation: ElementFunction { func callAsFunction(_ x: Float) -> Float { -x } }
struct Rectifier: ElementFunction { func callAsFunction(_ x: Float) -> Float { Swift.max(x, 0) } }
struct Absolute: ElementFunction { func callAsFunction(_ x: Float) -> Float { Swift.abs(x) } }
struct Sign: ElementFunction { func callAsFunction(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) } }
struct IsNonZero: ElementFunction { func callAsFunction(_ x: Float) -> Float { x != 0 ? 1 : 0 } }

/// x for x > 0, slope·x otherwise.
struct LeakyRectifier: ElementFunction {
    let slope: Float
    func callAsFunction(_ x: Float) -> Float { x > 0 ? x : slope * x }
}

/// g · (1 where x > 0, else slope): a (leaky) rectifier's backward pass in one loop.
struct LeakyRectifierGradient: ElementCombination {
    let slope: Float
    func callAsFunction(_ gradient: Float, _ x: Float) -> Float { gradient * (x > 0 ? 1 : slope) }
}

/// tanh in float32 arithmetic only, so that loops over it vectorise (the C library's `tanhf` is a
/// call per element, which was 3 % of an mlp step). Within 2 ulp of it on a dense sweep of [−12, 12]
/// (the test allows 3); NaN stays NaN.
///
/// Below 0.625 in magnitude an odd polynomial (least-squares fit of tanh(x)/x in x², relative error
/// under 1e-7); above, 1 − 2/(e^{2|x|} + 1) with e^y from a degree-7 polynomial after y = n·ln 2 + r,
/// |r| ≤ ln 2 / 2 (Cody–Waite split of ln 2), and 2ⁿ built in the exponent bits. |x| ≥ 9 gives ±1
/// to within float rounding.
struct HyperbolicTangent: ElementFunction {
    func callAsFunction(_ x: Float) -> Float {
        let magnitude = Swift.min(Swift.abs(x), 9)
        let square = magnitude * magnitude
        var series: Float = -0.005798100028
        series = series * square + 0.020720280707
        series = series * square - 0.053763799369
        series = series * square + 0.133317187428
        series = series * square - 0.333332926035
        let small = magnitude + magnitude * square * series
        let large = 1 - 2 / (Self.exponential(2 * magnitude) + 1)
        return Float(signOf: x, magnitudeOf: magnitude < 0.625 ? small : large)
    }

    /// e^y for y in [0, 18]: adding 1.5·2²³ leaves round(y/ln 2) in the low bits of the sum.
    private static func exponential(_ y: Float) -> Float {
        let shifted = y * 1.442695041 + 12_582_912
        let n = shifted - 12_582_912
        let r = (y - n * 0.693359375) + n * 2.12194440e-4
        var series: Float = 1.0 / 5040
        series = series * r + 1.0 / 720
        series = series * r + 1.0 / 120
        series = series * r + 1.0 / 24
        series = series * r + 1.0 / 6
        series = series * r + 0.5
        series = series * r + 1
        series = series * r + 1
        return series * Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) << 23)
    }
}
