import ProbeTensor

/// Whether a groups-1 convolution runs as Winograd instead of im2col + GEMM: every 3×3 stride-1
/// layer except those with very few input channels, where the GEMMs of inner dimension inC are too
/// thin to pay for the transforms. Measured single-threaded, one image, im2col vs F(4×4, 3×3):
/// 3→64 at 224×224 (VGG16's first layer) 3.5 vs 5.7 ms; 8→64 at 112×112 1.55 vs 0.99 ms;
/// 64→64 at 224×224 42 vs 16 ms.
func runsOnWinograd(_ layer: Conv2DWeights) -> Bool {
    WinogradWeights.supports(layer) && layer.inChannels >= 8
}

/// The Winograd variant, F(4×4, 3×3): on VGG16 at 224×224 it beats F(2×2, 3×3) on every layer but
/// the three 512→512 at 14×14 (6.9 vs 5.6–6.2 ms: only 16 tiles per image to amortise 36 weight-matrix
/// repacks), e.g. 64→64 at 224×224 16 vs 19 ms, 512→512 at 28×28 14 vs 19 ms. Its weights take
/// 4× the memory of the 3×3 kernels (F(2×2): 16/9×), ~235 MB for VGG16.
let winogradOutputTile = 4

/// All memory one forward pass needs for a (network, batch, height, width, threads): three
/// activation slots that the stages rotate through, per-thread convolution scratch (im2col blocks
/// or Winograd transform blocks) and the squeeze-excitation scratch, allocated once and reused for
/// every batch of that shape.
final class ForwardPlan {
    let batch: Int, height: Int, width: Int, threads: Int
    let slotCount: Int, convScratchPerThread: Int, seCount: Int
    private let arena: UnsafeMutablePointer<Float>
    let slots: [UnsafeMutablePointer<Float>]
    let convScratch: UnsafeMutablePointer<Float>
    let seScratch: UnsafeMutablePointer<Float>

    init(network: Network, batch: Int, height: Int, width: Int, threads: Int) {
        self.batch = batch; self.height = height; self.width = width; self.threads = threads
        var largest = batch * 3 * height * width, convScratch = 0, se = 0
        var h = height, w = width
        func conv(_ c: Conv2DWeights, winograd: WinogradWeights? = nil) {
            let g = c.geometry(height: h, width: w)
            largest = Swift.max(largest, batch * g.outHeight * g.outWidth * c.outChannels)
            let scratch = winograd.map { winogradScratchCount($0, g, batch: batch) }
                ?? conv2dScratchCount(c, g, batch: batch, threads: threads)
            convScratch = Swift.max(convScratch, scratch)
            h = g.outHeight; w = g.outWidth
        }
        for (index, stage) in network.stages.enumerated() {
            switch stage {
            case let .conv(c): conv(c, winograd: network.winograd[index])
            case let .maxPool(k, s):
                h = (h - k) / s + 1; w = (w - k) / s + 1
            case let .invertedResidual(expand, dw, seWeights, project, _):
                if let expand { conv(expand) }
                conv(dw)
                if let seWeights { se = Swift.max(se, batch * (seWeights.channels + seWeights.squeezed)) }
                conv(project)
            }
        }
        slotCount = largest; convScratchPerThread = convScratch; seCount = se
        let total = 3 * largest + threads * convScratch + se
        arena = .allocate(capacity: Swift.max(total, 1))
        slots = [arena, arena + largest, arena + 2 * largest]
        self.convScratch = arena + 3 * largest
        seScratch = self.convScratch + threads * convScratch
    }

    deinit { arena.deallocate() }

    /// Runs the network on `input` (NCHW [batch, 3, height, width]) and writes the pooled
    /// embeddings [batch, C] to `pooled`.
    func run(_ network: Network, input: UnsafePointer<Float>, pool: Pooling, pooled: UnsafeMutablePointer<Float>) {
        var current = 0
        var h = height, w = width, c = 3
        nchwToNHWC(input, batch: batch, channels: 3, height: height, width: width, slots[0], threads: threads)

        func convolve(_ layer: Conv2DWeights, from src: Int, to dst: Int, accumulate: Bool, winograd: WinogradWeights? = nil) {
            let g = layer.geometry(height: h, width: w)
            if let winograd {
                conv2dWinograd(winograd, g, batch: batch, input: slots[src], output: slots[dst], accumulate: accumulate,
                               scratch: convScratch, threads: threads)
            } else if layer.isDepthwise {
                depthwiseConv2d(layer, g, batch: batch, input: slots[src], output: slots[dst], threads: threads)
            } else {
                conv2dGEMM(layer, g, batch: batch, input: slots[src], output: slots[dst], accumulate: accumulate,
                           scratch: convScratch, threads: threads)
            }
            h = g.outHeight; w = g.outWidth; c = layer.outChannels
        }

        for (index, stage) in network.stages.enumerated() {
            let a = (current + 1) % 3, b = (current + 2) % 3
            switch stage {
            case let .conv(layer):
                convolve(layer, from: current, to: a, accumulate: false, winograd: network.winograd[index])
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
