/// The lane-wise vector operations VectorMath is written in, one struct type per width, so that one
/// generic function per operation serves AVX-512, AVX2 and 128-bit vectors (as IVectorOps does for the
/// products).
namespace Perceptron.Core

#nowarn "3535" // static abstract interface members: the width is chosen by a type argument
#nowarn "9" // native pointers: Load and Store take them

open System.Runtime.Intrinsics

/// The lane-wise operations of one vector width.
type internal IMathOps<'V> =
    /// Doubles per vector.
    static abstract Width: int
    /// Loads Width doubles.
    static abstract Load: nativeptr<float> -> 'V
    /// Stores Width doubles.
    static abstract Store: 'V * nativeptr<float> -> unit
    /// Every lane set to one value.
    static abstract Splat: float -> 'V
    /// Every lane set to one 64-bit pattern.
    static abstract Bits: int64 -> 'V
    /// Lane-wise x + y.
    static abstract Add: 'V * 'V -> 'V
    /// Lane-wise x - y.
    static abstract Subtract: 'V * 'V -> 'V
    /// Lane-wise x * y.
    static abstract Multiply: 'V * 'V -> 'V
    /// Lane-wise x / y.
    static abstract Divide: 'V * 'V -> 'V
    /// Bitwise and.
    static abstract And: 'V * 'V -> 'V
    /// Bitwise or.
    static abstract Or: 'V * 'V -> 'V
    /// The lanes' bit patterns added as 64-bit integers.
    static abstract AddBits: 'V * 'V -> 'V
    /// Each lane's 64 bits shifted left.
    static abstract ShiftLeft: 'V * int -> 'V
    /// Each lane's 64 bits shifted right, zeros in.
    static abstract ShiftRight: 'V * int -> 'V
    /// All bits set in the lanes where x <= y (none where either is NaN).
    static abstract LessOrEqual: 'V * 'V -> 'V
    /// mask ? x : y, bit by bit.
    static abstract Select: 'V * 'V * 'V -> 'V
    /// True when every lane of a mask is set.
    static abstract All: 'V -> bool
    /// Lane-wise maximum with Math.Max's rules (NaN wins, +0 above -0).
    static abstract Max: 'V * 'V -> 'V
    /// The sum of the lanes.
    static abstract Sum: 'V -> float
    /// One lane.
    static abstract Lane: 'V * int -> float

/// AVX-512: 8 doubles.
[<Struct>]
type internal Math512 =
    interface IMathOps<Vector512<float>> with
        static member Width = 8
        static member Load p = Vector512.Load p
        static member Store(v, p) = Vector512.Store(v, p)
        static member Splat x = Vector512.Create x
        static member Bits b = Vector512.AsDouble(Vector512.Create b)
        static member Add(x, y) = x + y
        static member Subtract(x, y) = x - y
        static member Multiply(x, y) = x * y
        static member Divide(x, y) = x / y
        static member And(x, y) = Vector512.BitwiseAnd(x, y)
        static member Or(x, y) = Vector512.BitwiseOr(x, y)

        static member AddBits(x, y) =
            Vector512.AsDouble(Vector512.AsInt64 x + Vector512.AsInt64 y)

        static member ShiftLeft(x, n) =
            Vector512.AsDouble(Vector512.ShiftLeft(Vector512.AsInt64 x, n))

        static member ShiftRight(x, n) =
            Vector512.AsDouble(Vector512.ShiftRightLogical(Vector512.AsInt64 x, n))

        static member LessOrEqual(x, y) = Vector512.LessThanOrEqual(x, y)
        static member Select(m, x, y) = Vector512.ConditionalSelect(m, x, y)

        static member All m =
            Vector512.EqualsAll(Vector512.AsInt64 m, Vector512<int64>.AllBitsSet)

        static member Max(x, y) = Vector512.Max(x, y)
        static member Sum v = Vector512.Sum v
        static member Lane(v, i) = v.GetElement i

/// AVX2: 4 doubles.
[<Struct>]
type internal Math256 =
    interface IMathOps<Vector256<float>> with
        static member Width = 4
        static member Load p = Vector256.Load p
        static member Store(v, p) = Vector256.Store(v, p)
        static member Splat x = Vector256.Create x
        static member Bits b = Vector256.AsDouble(Vector256.Create b)
        static member Add(x, y) = x + y
        static member Subtract(x, y) = x - y
        static member Multiply(x, y) = x * y
        static member Divide(x, y) = x / y
        static member And(x, y) = Vector256.BitwiseAnd(x, y)
        static member Or(x, y) = Vector256.BitwiseOr(x, y)

        static member AddBits(x, y) =
            Vector256.AsDouble(Vector256.AsInt64 x + Vector256.AsInt64 y)

        static member ShiftLeft(x, n) =
            Vector256.AsDouble(Vector256.ShiftLeft(Vector256.AsInt64 x, n))

        static member ShiftRight(x, n) =
            Vector256.AsDouble(Vector256.ShiftRightLogical(Vector256.AsInt64 x, n))

        static member LessOrEqual(x, y) = Vector256.LessThanOrEqual(x, y)
        static member Select(m, x, y) = Vector256.ConditionalSelect(m, x, y)

        static member All m =
            Vector256.EqualsAll(Vector256.AsInt64 m, Vector256<int64>.AllBitsSet)

        static member Max(x, y) = Vector256.Max(x, y)
        static member Sum v = Vector256.Sum v
        static member Lane(v, i) = v.GetElement i

/// 128-bit vectors: 2 doubles (SSE2, Arm64 AdvSimd; software elsewhere).
[<Struct>]
type internal Math128 =
    interface IMathOps<Vector128<float>> with
        static member Width = 2
        static member Load p = Vector128.Load p
        static member Store(v, p) = Vector128.Store(v, p)
        static member Splat x = Vector128.Create x
        static member Bits b = Vector128.AsDouble(Vector128.Create b)
        static member Add(x, y) = x + y
        static member Subtract(x, y) = x - y
        static member Multiply(x, y) = x * y
        static member Divide(x, y) = x / y
        static member And(x, y) = Vector128.BitwiseAnd(x, y)
        static member Or(x, y) = Vector128.BitwiseOr(x, y)

        static member AddBits(x, y) =
            Vector128.AsDouble(Vector128.AsInt64 x + Vector128.AsInt64 y)

        static member ShiftLeft(x, n) =
            Vector128.AsDouble(Vector128.ShiftLeft(Vector128.AsInt64 x, n))

        static member ShiftRight(x, n) =
            Vector128.AsDouble(Vector128.ShiftRightLogical(Vector128.AsInt64 x, n))

        static member LessOrEqual(x, y) = Vector128.LessThanOrEqual(x, y)
        static member Select(m, x, y) = Vector128.ConditionalSelect(m, x, y)

        static member All m =
            Vector128.EqualsAll(Vector128.AsInt64 m, Vector128<int64>.AllBitsSet)

        static member Max(x, y) = Vector128.Max(x, y)
        static member Sum v = Vector128.Sum v
        static member Lane(v, i) = v.GetElement i
