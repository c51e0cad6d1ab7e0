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
struct IsPositive: ElementFunction { func callAsFunction(_ x: Float) -> Float { x > 0 ? 1 : 0 } }
struct IsNonZero: ElementFunction { func callAsFunction(_ x: Float) -> Float { x != 0 ? 1 : 0 } }

/// x for x > 0, slope·x otherwise.
struct LeakyRectifier: ElementFunction {
    let slope: Float
    func callAsFunction(_ x: Float) -> Float { x > 0 ? x : slope * x }
}

/// The leaky rectifier's derivative: 1 for x > 0, slope otherwise.
struct LeakyRectifierSlope: ElementFunction {
    let slope: Float
    func callAsFunction(_ x: Float) -> Float { x > 0 ? 1 : slope }
}
