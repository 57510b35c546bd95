import ProbeTensor

/// Whether a groups-1 convolution runs as Winograd instead of im2col + GEMM: every 3×3 stride-1
/// layer except those with very few input channels, where the GEMMs of inner dimension inC are too
/// thin to pay for the transforms (timings that set the threshold: BENCHMARKS.md, "Engine tuning").
func runsOnWinograd(_ layer: Conv2DWeights) -> Bool {
    WinogradWeights.supports(layer) && layer.inChannels >= 8
}

/// Stages whose output has fewer pixels per image than this run on a plan's whole group of images
/// at once; the earlier ones run one image at a time. At 224×224 that groups the 7×7 stages, whose
/// per-image GEMMs are only 49 rows: there OpenBLAS spends about as long repacking a 960×160
/// weight matrix as multiplying it, and 8 images per call cut the 7×7 stages of MobileNetV2 by
/// about a quarter. At 14×14 and above grouping measured no faster, and one image at a time keeps
/// the large early activations in cache.
///
/// The grouped stages always run on the full group, unused places zero-filled: every GEMM call
/// then has the same shape whatever images fill the group: no OpenBLAS core gives a row the same
/// bits across call shapes (small calls take other kernels, which sum in another order). Some cores
/// (SkylakeX, Sandybridge) give it the same bits at any place in a call of a given shape, and there
/// this keeps an image's embedding independent of the images that share its group; on the others
/// (`sgemmRowsArePositionIndependent` false) the group's GEMM layers run one image per call.
let groupedStagePixels = 128

/// Floats of one band of expanded rows in a per-image inverted residual (see `ForwardPlan.runInBands`):
/// 128 KB, so that the band, its depthwise output and the input rows being expanded stay in L2
/// (typically 1 MB or more); smaller and larger bands measured no faster (BENCHMARKS.md, "Engine tuning").
let bandFloats = 32_768

/// Output rows per band of an inverted residual whose depthwise layer reads `inWidth`-wide rows.
func bandRows(_ dw: Conv2DWeights, inWidth: Int) -> Int {
    Swift.max(1, bandFloats / (inWidth * dw.outChannels * dw.stride))
}

/// All memory one forward pass needs for a (network, group size, height, width, threads): three
/// activation slots for one image, through which the early stages rotate; three slots for the
/// whole group, for the grouped stages (see `groupedStagePixels`); per-thread convolution scratch
/// (im2col blocks or Winograd transform blocks) and the squeeze-excitation scratch. Allocated
/// once and reused for every batch of that shape. Per-image inverted residuals also get a band
/// buffer (see `runInBands`).
final class ForwardPlan {
    let batch: Int, height: Int, width: Int, threads: Int
    /// Stages before this index run per image, the rest on the whole group of `batch` images.
    let firstGroupedStage: Int
    /// Each stage's input, output and convolution geometries at `height`×`width`.
    let shapes: [LayerShape]
    let convScratchPerThread: Int
    private let arena: UnsafeMutablePointer<Float>
    let imageSlots: [UnsafeMutablePointer<Float>]
    let batchSlots: [UnsafeMutablePointer<Float>]
    let convScratch: UnsafeMutablePointer<Float>
    let seScratch: UnsafeMutablePointer<Float>
    let bandScratch: UnsafeMutablePointer<Float>

    init(network: Network, batch: Int, height: Int, width: Int, threads: Int) {
        self.batch = batch; self.height = height; self.width = width; self.threads = threads
        // From the architecture's shape walk: the first grouped stage, the largest activation on
        // each side of it, and the scratch each convolution needs at the batch it runs with.
        let shapes = network.architecture.shapes(height: height, width: width)
        self.shapes = shapes
        let grouped = shapes.firstIndex { $0.output.pixels < groupedStagePixels } ?? shapes.count
        firstGroupedStage = grouped

        var imageLargest = 3 * height * width, batchLargest = grouped == 0 ? batch * 3 * height * width : 0
        var convScratch = 0, se = 0, band = 0
        for (index, (stage, shape)) in zip(network.stages, shapes).enumerated() {
            let n = index < grouped ? 1 : batch
            if index == grouped { batchLargest = Swift.max(batchLargest, batch * shape.input.count) }
            func conv(_ layer: Conv2DWeights, _ g: ConvGeometry, winograd: WinogradWeights? = nil) {
                let size = n * g.outHeight * g.outWidth * layer.outChannels
                if index < grouped { imageLargest = Swift.max(imageLargest, size) } else { batchLargest = Swift.max(batchLargest, size) }
                let scratch = winograd.map { winogradScratchCount($0, g, batch: n) }
                    ?? (supportsDirectConvolution(layer) ? 0 : conv2dScratchCount(layer, g, batch: n))
                convScratch = Swift.max(convScratch, scratch)
            }
            switch stage {
            case let .conv(layer): conv(layer, shape.geometry!, winograd: network.winograd[index])
            case .maxPool: break
            case let .invertedResidual(expand, dw, seWeights, _, _) where index < grouped:
                // In bands (`runInBands`): the expanded rows live in the band buffer; the slots hold
                // the block's input and output, and the whole depthwise output when the project
                // cannot run in bands (an SE, or no expand).
                let g = shape.geometry!, rows = bandRows(dw, inWidth: g.inWidth)
                let expanded = expand == nil ? 0 : Swift.min(g.inHeight, (rows - 1) * dw.stride + dw.kernelHeight) * g.inWidth * dw.outChannels
                band = Swift.max(band, expanded + rows * g.outWidth * dw.outChannels)
                if seWeights != nil || expand == nil {
                    imageLargest = Swift.max(imageLargest, g.outHeight * g.outWidth * dw.outChannels)
                }
                if let seWeights { se = Swift.max(se, seWeights.channels + seWeights.squeezed) }
                imageLargest = Swift.max(imageLargest, shape.output.count)
            case let .invertedResidual(expand, dw, seWeights, project, _):
                if let expand { conv(expand, shape.expand!) }
                conv(dw, shape.geometry!)
                if let seWeights { se = Swift.max(se, n * (seWeights.channels + seWeights.squeezed)) }
                conv(project, shape.project!)
            }
        }
        // With no grouped stage the last per-image output is copied into the batch slots for pooling.
        batchLargest = Swift.max(batchLargest, batch * (shapes.last?.output.count ?? 3 * height * width))
        if grouped == 0 { imageLargest = 0 }

        convScratchPerThread = convScratch
        let total = 3 * imageLargest + 3 * batchLargest + threads * convScratch + se + band
        arena = .allocate(capacity: Swift.max(total, 1))
        imageSlots = [arena, arena + imageLargest, arena + 2 * imageLargest]
        let batchBase = arena + 3 * imageLargest
        batchSlots = [batchBase, batchBase + batchLargest, batchBase + 2 * batchLargest]
        self.convScratch = batchBase + 3 * batchLargest
        seScratch = self.convScratch + threads * convScratch
        bandScratch = seScratch + se
    }

    deinit { arena.deallocate() }

    /// Runs the network on `count` ≤ `batch` images `input` (NCHW [count, 3, height, width]) and
    /// writes their pooled embeddings [count, C] to `pooled`.
    func run(_ network: Network, count: Int, input: UnsafePointer<Float>, pool: Pooling, pooled: UnsafeMutablePointer<Float>) {
        precondition(count >= 1 && count <= batch)
        let grouped = firstGroupedStage
        // NHWC floats per image where the grouped stages start, and the last feature map.
        let groupInput = grouped == 0 ? 3 * height * width : shapes[grouped - 1].output.count
        let last = shapes.last?.output ?? FeatureShape(height: height, width: width, channels: 3)
        if grouped == 0 {
            nchwToNHWC(input, batch: count, channels: 3, height: height, width: width, batchSlots[0], threads: threads)
            network.inputAffine?.apply(batchSlots[0], pixels: count * height * width)
        } else {
            for n in 0..<count {
                nchwToNHWC(input + n * 3 * height * width, batch: 1, channels: 3, height: height, width: width,
                           imageSlots[0], threads: threads)
                network.inputAffine?.apply(imageSlots[0], pixels: height * width)
                let slot = runStages(network, 0..<grouped, batch: 1, slots: imageSlots, inBands: true, from: 0)
                (batchSlots[0] + n * groupInput).update(from: imageSlots[slot], count: groupInput)
            }
        }
        (batchSlots[0] + count * groupInput).update(repeating: 0, count: (batch - count) * groupInput)
        let slot = runStages(network, grouped..<network.stages.count, batch: batch, slots: batchSlots, inBands: false, from: 0)
        switch pool {
        case .avg: globalAveragePool(input: batchSlots[slot], batch: count, pixels: last.pixels, channels: last.channels, output: pooled)
        case .max: globalMaxPool(input: batchSlots[slot], batch: count, pixels: last.pixels, channels: last.channels, output: pooled)
        }
    }

    /// Runs `stages` on `batch` images held NHWC in `slots[start]`, rotating through the three
    /// slots; inverted residuals `inBands` (one image) go through `runInBands`. Returns the slot
    /// holding the output.
    private func runStages(_ network: Network, _ stages: Range<Int>, batch: Int, slots: [UnsafeMutablePointer<Float>],
                           inBands: Bool, from start: Int) -> Int {
        var current = start

        func convolve(_ layer: Conv2DWeights, _ g: ConvGeometry, from src: Int, to dst: Int, accumulate: Bool,
                      winograd: WinogradWeights? = nil) {
            let direct = supportsDirectConvolution(layer) && !accumulate
            if batch > 1 && !sgemmRowsArePositionIndependent && (winograd != nil || !(layer.isDepthwise || direct)) {
                // This OpenBLAS core gives a row different bits at different places in a call
                // (`sgemmRowsArePositionIndependent`), so the group's images take one call each, of
                // the shape an image alone gets: an image's bits then never depend on its neighbours.
                let inSize = g.inHeight * g.inWidth * layer.inChannels, outSize = g.outHeight * g.outWidth * layer.outChannels
                for n in 0..<batch {
                    let input = UnsafePointer(slots[src] + n * inSize), output = slots[dst] + n * outSize
                    if let winograd {
                        conv2dWinograd(winograd, g, batch: 1, input: input, output: output, accumulate: accumulate,
                                       scratch: convScratch, threads: threads)
                    } else {
                        conv2dGEMM(layer, g, batch: 1, input: input, output: output, accumulate: accumulate,
                                   scratch: convScratch, threads: threads)
                    }
                }
            } else if let winograd {
                conv2dWinograd(winograd, g, batch: batch, input: slots[src], output: slots[dst], accumulate: accumulate,
                               scratch: convScratch, threads: threads)
            } else if layer.isDepthwise {
                depthwiseConv2d(layer, g, batch: batch, input: slots[src], output: slots[dst], threads: threads)
            } else if direct {
                conv2dDirect(layer, g, batch: batch, input: slots[src], output: slots[dst], threads: threads)
            } else {
                conv2dGEMM(layer, g, batch: batch, input: slots[src], output: slots[dst], accumulate: accumulate,
                           scratch: convScratch, threads: threads)
            }
        }

        for index in stages {
            let a = (current + 1) % 3, b = (current + 2) % 3, shape = shapes[index]
            switch network.stages[index] {
            case let .conv(layer):
                convolve(layer, shape.geometry!, from: current, to: a, accumulate: false, winograd: network.winograd[index])
                current = a
            case let .maxPool(k, s):
                maxPool2d(input: slots[current], batch: batch, height: shape.input.height, width: shape.input.width,
                          channels: shape.input.channels, kernel: k, stride: s, output: slots[a], threads: threads)
                current = a
            case let .invertedResidual(expand, dw, se, project, residual) where inBands:
                let output = residual ? current : a
                runInBands(expand: expand, depthwise: dw, se: se, project: project, residual: residual, geometry: shape.geometry!,
                           input: slots[current], spare: slots[b], output: slots[output])
                current = output
            case let .invertedResidual(expand, dw, se, project, residual):
                var src = current
                if let expand { convolve(expand, shape.expand!, from: current, to: a, accumulate: false); src = a }
                convolve(dw, shape.geometry!, from: src, to: b, accumulate: false)
                if let se {
                    squeezeExcitation(se, batch: batch, pixels: shape.output.pixels, data: slots[b], scratch: seScratch, threads: threads)
                }
                if residual {
                    // out = input + project(...): the GEMM accumulates onto the input in place.
                    convolve(project, shape.project!, from: b, to: current, accumulate: true)
                } else {
                    convolve(project, shape.project!, from: b, to: a, accumulate: false)
                    current = a
                }
            }
        }
        return current
    }

    /// One image's inverted residual in bands of output rows, so that the expanded activations
    /// (6× the block's channels, at the input resolution) never leave L2: for each band the 1×1
    /// expand runs on the input rows its depthwise taps reach, the depthwise on those, and, without
    /// squeeze-excitation, the 1×1 project on the depthwise rows straight into `output`. Rows shared
    /// with the next band are moved to the top of the band buffer, not expanded twice. With
    /// squeeze-excitation the depthwise output goes whole to `spare`, since the gate needs its mean.
    ///
    /// `output` is `input` for a residual block: the project of a band adds onto input rows that
    /// have already been expanded, and later bands only expand rows below them.
    private func runInBands(expand: Conv2DWeights?, depthwise dw: Conv2DWeights, se: SqueezeExcitationWeights?,
                            project: Conv2DWeights, residual: Bool, geometry g: ConvGeometry,
                            input: UnsafeMutablePointer<Float>, spare: UnsafeMutablePointer<Float>,
                            output: UnsafeMutablePointer<Float>) {
        let inC = expand?.inChannels ?? dw.outChannels, midC = dw.outChannels, outC = project.outChannels
        let w = g.inWidth, s = dw.stride, k = dw.kernelHeight
        let rowsPerBand = bandRows(dw, inWidth: w)
        // Without an expand the depthwise reads `input` itself, which an in-place project would overwrite.
        let projectInBands = se == nil && !(expand == nil && residual)
        let expanded = bandScratch
        let expandedCapacity = expand == nil ? 0 : Swift.min(g.inHeight, (rowsPerBand - 1) * s + k)
        let depthwiseBand = bandScratch + expandedCapacity * w * midC
        var first = 0, end = 0   // image rows held in `expanded`
        var oy0 = 0
        while oy0 < g.outHeight {
            let oy1 = Swift.min(oy0 + rowsPerBand, g.outHeight)
            let need0 = Swift.max(0, oy0 * s - g.padTop), need1 = Swift.min(g.inHeight, (oy1 - 1) * s - g.padTop + k)
            var source = UnsafePointer(input), sourceFirst = 0
            if let expand {
                if need0 < end {
                    // Overlapping move (memmove), rows need0..<end to the top.
                    UnsafeMutableRawPointer(expanded).copyMemory(from: expanded + (need0 - first) * w * midC,
                                                                 byteCount: (end - need0) * w * midC * MemoryLayout<Float>.stride)
                } else {
                    end = need0
                }
                first = need0
                if need1 > end {
                    let rows = ConvGeometry.pointwise(height: need1 - end, width: w)
                    conv2dGEMM(expand, rows, batch: 1, input: input + end * w * inC, output: expanded + (end - first) * w * midC,
                               accumulate: false, scratch: nil, threads: threads)
                    end = need1
                }
                source = UnsafePointer(expanded); sourceFirst = first
            }
            let depthwiseOut = projectInBands ? depthwiseBand : spare + oy0 * g.outWidth * midC
            depthwiseConv2dRows(dw, g, rows: oy0..<oy1, input: source, firstInputRow: sourceFirst, output: depthwiseOut, threads: threads)
            if projectInBands {
                let rows = ConvGeometry.pointwise(height: oy1 - oy0, width: g.outWidth)
                conv2dGEMM(project, rows, batch: 1, input: depthwiseBand, output: output + oy0 * g.outWidth * outC,
                           accumulate: residual, scratch: nil, threads: threads)
            }
            oy0 = oy1
        }
        if !projectInBands {
            if let se {
                squeezeExcitation(se, batch: 1, pixels: g.outHeight * g.outWidth, data: spare, scratch: seScratch, threads: threads)
            }
            let all = ConvGeometry.pointwise(height: g.outHeight, width: g.outWidth)
            conv2dGEMM(project, all, batch: 1, input: spare, output: output, accumulate: residual, scratch: nil, threads: threads)
        }
    }
}
