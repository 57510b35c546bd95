/// Max pooling, NHWC, no padding, floor mode (torchvision VGG's MaxPool2d(2, 2)):
/// out[n,oy,ox,c] = max_{ky,kx < kernel} in[n, oy·stride + ky, ox·stride + kx, c], out size (in - kernel) / stride + 1.
/// Vectorised over channels; output rows split across `threads`.
public func maxPool2d(input: UnsafePointer<Float>, batch: Int, height: Int, width: Int, channels: Int,
                      kernel: Int, stride: Int, output: UnsafeMutablePointer<Float>, threads: Int) {
    let outH = (height - kernel) / stride + 1, outW = (width - kernel) / stride + 1
    let c = channels
    let totalRows = batch * outH
    let workers = Swift.max(1, Swift.min(threads, totalRows))
    parallelFor(threads: workers) { slot in
        for row in sliceRange(totalRows, part: slot, of: workers) {
            let n = row / outH, oy = row - n * outH
            for ox in 0..<outW {
                let out = output + (row * outW + ox) * c
                out.update(from: input + ((n * height + oy * stride) * width + ox * stride) * c, count: c)
                for ky in 0..<kernel {
                    for kx in 0..<kernel where ky != 0 || kx != 0 {
                        let src = input + ((n * height + oy * stride + ky) * width + ox * stride + kx) * c
                        for ch in 0..<c { let v = src[ch]; out[ch] = v > out[ch] ? v : out[ch] }
                    }
                }
            }
        }
    }
}

/// Naive reference for `maxPool2d`: one output element at a time.
public func maxPool2dReference(input: UnsafePointer<Float>, batch: Int, height: Int, width: Int, channels: Int,
                               kernel: Int, stride: Int, output: UnsafeMutablePointer<Float>) {
    let outH = (height - kernel) / stride + 1, outW = (width - kernel) / stride + 1
    for n in 0..<batch { for oy in 0..<outH { for ox in 0..<outW { for ch in 0..<channels {
        var best = -Float.infinity
        for ky in 0..<kernel { for kx in 0..<kernel {
            best = Swift.max(best, input[((n * height + oy * stride + ky) * width + ox * stride + kx) * channels + ch])
        } }
        output[((n * outH + oy) * outW + ox) * channels + ch] = best
    } } } }
}

/// Global average pooling, NHWC [batch, pixels, C] → [batch, C]: the sum over pixels in pixel
/// order, divided by the pixel count (as torch's mean over H, W).
public func globalAveragePool(input: UnsafePointer<Float>, batch: Int, pixels: Int, channels: Int,
                              output: UnsafeMutablePointer<Float>) {
    for n in 0..<batch {
        let out = output + n * channels
        out.update(repeating: 0, count: channels)
        for p in 0..<pixels {
            let src = input + (n * pixels + p) * channels
            for ch in 0..<channels { out[ch] += src[ch] }
        }
        let count = Float(pixels)
        for ch in 0..<channels { out[ch] /= count }
    }
}

/// Global max pooling, NHWC [batch, pixels, C] → [batch, C].
public func globalMaxPool(input: UnsafePointer<Float>, batch: Int, pixels: Int, channels: Int,
                          output: UnsafeMutablePointer<Float>) {
    for n in 0..<batch {
        let out = output + n * channels
        out.update(from: input + n * pixels * channels, count: channels)
        for p in 1..<Swift.max(pixels, 1) {
            let src = input + (n * pixels + p) * channels
            for ch in 0..<channels { let v = src[ch]; out[ch] = v > out[ch] ? v : out[ch] }
        }
    }
}
