import Foundation

/// Reuses float buffers by exact element count, so a training step that allocates the same
/// activations every iteration does not return memory to the operating system.
///
/// Measured on this platform: freeing and re-allocating ~70 MB of tensors per step cost 60 ms,
/// against 6 ms with reuse. Buffers are 64-byte aligned for the SIMD kernels.
public final class BufferPool: @unchecked Sendable {
    /// The process-wide pool every tensor allocates from.
    public static let shared = BufferPool()

    /// Cached bytes above which released buffers are freed instead of kept.
    public var capacityInBytes = 4 << 30

    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var cachedBytes = 0
    private let lock = NSLock()

    /// Returns an uninitialised buffer of `count` floats.
    func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        lock.lock()
        if var list = free[count], let pointer = list.popLast() {
            free[count] = list
            cachedBytes -= count * 4
            lock.unlock()
            return pointer
        }
        lock.unlock()
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Gives a buffer back for reuse.
    func release(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        lock.lock()
        if cachedBytes + count * 4 <= capacityInBytes {
            free[count, default: []].append(pointer)
            cachedBytes += count * 4
            lock.unlock()
        } else {
            lock.unlock()
            pointer.deallocate()
        }
    }

    /// Frees every cached buffer.
    public func trim() {
        lock.lock()
        defer { lock.unlock() }
        for list in free.values { list.forEach { $0.deallocate() } }
        free.removeAll()
        cachedBytes = 0
    }
}

/// The contiguous float32 buffer behind one or more tensors (reshapes share it).
final class TensorStorage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = BufferPool.shared.allocate(count)
    }

    convenience init(copying other: TensorStorage) {
        self.init(count: other.count)
        pointer.update(from: other.pointer, count: count)
    }

    deinit { BufferPool.shared.release(pointer, count: count) }
}
