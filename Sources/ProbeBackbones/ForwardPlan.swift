import ProbeTensor

/// All memory one forward pass needs for a (network, batch, height, width, threads): three
/// activation slots that the stages rotate through, per-thread im2col blocks and the
/// squeeze-excitation scratch, allocated once and reused for every batch of that shape.
final class ForwardPlan {
    let batch: Int, height: Int, width: Int, threads: Int
    let slotCount: Int, im2colPerThread: Int, seCount: Int
    private let arena: UnsafeMutablePointer<Float>
    let slots: [UnsafeMutablePointer<Float>]
    let im2col: UnsafeMutablePointer<Float>
    let seScratch: UnsafeMutablePointer<Float>

    init(network: Network, batch: Int, height: Int, width: Int, threads: Int) {
        self.batch = batch; self.height = height; self.width = width; self.threads = threads
        var largest = batch * 3 * height * width, im2col = 0, se = 0
        var h = height, w = width
        func conv(_ c: Conv2DWeights) {
            let g = c.geometry(height: h, width: w)
            largest = Swift.max(largest, batch * g.outHeight * g.outWidth * c.outChannels)
            im2col = Swift.max(im2col, conv2dScratchCount(c, g, batch: batch, threads: threads))
            h = g.outHeight; w = g.outWidth
        }
        for stage in network.stages {
            switch stage {
            case let .conv(c): conv(c)
            case let .maxPool(k, s):
                h = (h - k) / s + 1; w = (w - k) / s + 1
            case let .invertedResidual(expand, dw, seWeights, project, _):
                if let expand { conv(expand) }
                conv(dw)
                if let seWeights { se = Swift.max(se, batch * (seWeights.channels + seWeights.squeezed)) }
                conv(project)
            }
        }
        slotCount = largest; im2colPerThread = im2col; seCount = se
        let total = 3 * largest + threads * im2col + se
        arena = .allocate(capacity: Swift.max(total, 1))
        slots = [arena, arena + largest, arena + 2 * largest]
        self.im2col = arena + 3 * largest
        seScratch = self.im2col + threads * im2col
    }

    deinit { arena.deallocate() }

    /// Runs the network on `input` (NCHW [batch, 3, height, width]) and writes the pooled
    /// embeddings [batch, C] to `pooled`.
    func run(_ network: Network, input: UnsafePointer<Float>, pool: Pooling, pooled: UnsafeMutablePointer<Float>) {
        var current = 0
        var h = height, w = width, c = 3
        nchwToNHWC(input, batch: batch, channels: 3, height: height, width: width, slots[0], threads: threads)

        func convolve(_ layer: Conv2DWeights, from src: Int, to dst: Int, accumulate: Bool) {
            let g = layer.geometry(height: h, width: w)
            if layer.isDepthwise {
                depthwiseConv2d(layer, g, batch: batch, input: slots[src], output: slots[dst], threads: threads)
            } else {
                conv2dGEMM(layer, g, batch: batch, input: slots[src], output: slots[dst], accumulate: accumulate,
                           scratch: im2col, threads: threads)
            }
            h = g.outHeight; w = g.outWidth; c = layer.outChannels
        }

        for stage in network.stages {
            let a = (current + 1) % 3, b = (current + 2) % 3
            switch stage {
            case let .conv(layer):
                convolve(layer, from: current, to: a, accumulate: false)
                current = a
            case let .maxPool(k, s):
                maxPool2d(input: slots[current], batch: batch, height: h, width: w, channels: c, kernel: k, stride: s,
                          output: slots[a], threads: threads)
                h = (h - k) / s + 1; w = (w - k) / s + 1
                current = a
            case let .invertedResidual(expand, dw, se, project, residual):
                var src = current
                if let expand { convolve(expand, from: current, to: a, accumulate: false); src = a }
                convolve(dw, from: src, to: b, accumulate: false)
                if let se {
                    squeezeExcitation(se, batch: batch, pixels: h * w, data: slots[b], scratch: seScratch, threads: threads)
                }
                if residual {
                    // out = input + project(...): the GEMM accumulates onto the input in place.
                    convolve(project, from: b, to: current, accumulate: true)
                } else {
                    convolve(project, from: b, to: a, accumulate: false)
                    current = a
                }
            }
        }
        switch pool {
        case .avg: globalAveragePool(input: slots[current], batch: batch, pixels: h * w, channels: c, output: pooled)
        case .max: globalMaxPool(input: slots[current], batch: batch, pixels: h * w, channels: c, output: pooled)
        }
    }
}
