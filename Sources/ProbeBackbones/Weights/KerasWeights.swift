import Foundation
import ZIPFoundation

/// One layer of a Keras model that holds weights, in model order, and the Probe parameters its
/// variables become (see `Architecture.kerasLayers`).
struct KerasLayer {
    /// Keras's class, by the snake-case name Keras 3 files use for it (`layers/conv2d_3`).
    enum LayerClass: String {
        case conv2D = "conv2d", depthwiseConv2D = "depthwise_conv2d"
        case batchNormalization = "batch_normalization", normalization = "normalization"
    }
    /// Today's Keras layer name (`block_1_expand`); legacy files may use others, and are matched by order.
    let name: String
    let layerClass: LayerClass
    /// In Keras's variable order: the Probe parameter key (nil: checked, not loaded, as the
    /// Normalization layer's `count`) and the shape Keras stores.
    let variables: [(key: String?, shape: [Int])]
}

extension Architecture {
    /// The Keras layers with weights, in the order `model.layers` lists them: the order in which
    /// Keras itself loads a legacy `.h5` (by position, never by name).
    var kerasLayers: [KerasLayer] {
        var list: [KerasLayer] = []
        if let n = inputNormalization {
            list.append(KerasLayer(name: n, layerClass: .normalization, variables: [("\(n).mean", [3]), ("\(n).variance", [3]), (nil, [])]))
        }
        func add(_ c: ConvLayer) {
            let kernel = c.depthwise ? [c.kernel, c.kernel, c.inChannels, 1] : [c.kernel, c.kernel, c.inChannels, c.outChannels]
            list.append(KerasLayer(name: c.name, layerClass: c.depthwise ? .depthwiseConv2D : .conv2D,
                                   variables: [(c.name + ".weight", kernel)] + (c.hasBias ? [(c.name + ".bias", [c.outChannels])] : [])))
            if let bn = c.batchNorm {
                // gamma, beta, moving_mean, moving_variance
                list.append(KerasLayer(name: bn, layerClass: .batchNormalization,
                                       variables: ["weight", "bias", "running_mean", "running_var"].map { ("\(bn).\($0)", [c.outChannels]) }))
            }
        }
        for layer in layers {
            switch layer {
            case let .conv(c): add(c)
            case .maxPool: break
            case let .invertedResidual(expand, dw, se, project, _):
                expand.map(add)
                add(dw)
                if let se {
                    list.append(KerasLayer(name: se.name + "_reduce", layerClass: .conv2D,
                                           variables: [("\(se.name).fc1.weight", [1, 1, se.channels, se.squeezed]), ("\(se.name).fc1.bias", [se.squeezed])]))
                    list.append(KerasLayer(name: se.name + "_expand", layerClass: .conv2D,
                                           variables: [("\(se.name).fc2.weight", [1, 1, se.squeezed, se.channels]), ("\(se.name).fc2.bias", [se.channels])]))
                }
                add(project)
            }
        }
        return list
    }
}

/// Reads Keras weight files into a `StateDict` in Probe's (PyTorch) layout:
/// - legacy `.h5` (what `keras.applications` downloads): root attribute `layer_names` (every layer,
///   weightless ones too; Keras splits a long list into `layer_names0`, `layer_names1`, …), each
///   layer group's `weight_names`, datasets at `<layer>/<weight name>`. Loaded by the ORDER of the
///   layers that have weights, as Keras loads it: the names in the real files are not today's.
///   A whole-model `.h5` (`model.save`) keeps the same layout under `model_weights`.
/// - Keras 3 `.weights.h5`: `layers/<class in snake case>[_k]/vars/<i>`, `_k` counting the layers
///   of that class in model order; variables numbered 0, 1, … (HDF5 lists them alphabetically).
/// - `.keras`: a zip holding `model.weights.h5` (the format above) and `config.json`.
/// Kernels are converted from Keras's HWIO (depthwise: kh, kw, C, 1) to PyTorch's OIHW.
/// Every layer's variable count and every shape is checked before any weight is read; the first
/// mismatch is reported with the layer's position and both names.
enum KerasWeights {
    enum Format: String { case legacyH5 = "legacy Keras .h5", keras3 = "Keras 3 .weights.h5", kerasArchive = ".keras archive" }

    /// Largest `model.weights.h5` taken out of a `.keras` archive (EfficientNetB7's is 260 MB).
    static let maxArchiveMember = 2 << 30

    /// Where one model variable lives in the file.
    private struct Located { let path: String; let layer: KerasLayer; let index: Int }

    static func read(_ url: URL, kind: BackboneKind) throws -> StateDict {
        let file = try open(url)
        let located = try locate(file, kind: kind)
        var stateDict: StateDict = [:]
        for item in located {
            let (key, kerasShape) = item.layer.variables[item.index]
            guard let key else { continue }
            let values = try file.readFloats(item.path, expected: kerasShape)
            if kerasShape.count == 4 {
                stateDict[key] = WeightTensor(shape: torchShape(kerasShape, depthwise: item.layer.layerClass == .depthwiseConv2D),
                                              values: hwioToOIHW(values, shape: kerasShape))
            } else {
                stateDict[key] = WeightTensor(shape: kerasShape, values: values)
            }
        }
        return stateDict
    }

    /// Opens a `.h5`/`.weights.h5` file, or the `model.weights.h5` inside a `.keras` archive.
    static func open(_ url: URL) throws -> HDF5File {
        let bytes = try MappedBytes(mapping: url)
        if bytes.count == 0 { throw WeightsError(url, "empty file: not a Keras weights file") }
        if HDF5File.looksLike(bytes.all.bytes(0, 8) ?? []) { return try HDF5File(url: url) }
        guard bytes.all.bytes(0, 4) == [0x50, 0x4B, 0x03, 0x04] else {
            throw WeightsError(url, "not a Keras weights file: expected HDF5 (.h5, .weights.h5) or a .keras zip")
        }
        let directory = try ZipDirectory(bytes.all, url: url)
        guard let entry = directory.entries["model.weights.h5"] else {
            throw WeightsError(url, "zip without model.weights.h5: not a .keras archive")
        }
        guard entry.uncompressedSize <= maxArchiveMember else {
            throw WeightsError(url, "model.weights.h5 claims \(entry.uncompressedSize) bytes (more than \(maxArchiveMember))")
        }
        let image: Data
        if entry.method == 0 {
            let slice = try directory.storedData(entry)
            image = Data(bytes: slice.owner.baseAddress + slice.offset, count: slice.count)
        } else {
            guard entry.compressedSize <= bytes.count else { throw WeightsError(url, "corrupt zip entry 'model.weights.h5': larger than the archive") }
            let archive: Archive
            do { archive = try Archive(url: url, accessMode: .read) } catch { throw WeightsError(url, "not a readable .keras archive (zip)") }
            guard let member = archive["model.weights.h5"], member.type == .file else {
                throw WeightsError(url, "zip without model.weights.h5: not a .keras archive")
            }
            var data = Data()
            do {
                _ = try archive.extract(member, skipCRC32: false) { chunk in
                    guard data.count + chunk.count <= entry.uncompressedSize else { throw WeightsError(url, "model.weights.h5 inflates past its stated size") }
                    data.append(chunk)
                }
            } catch let error as WeightsError { throw error } catch {
                throw WeightsError(url, "cannot extract model.weights.h5: corrupt or truncated archive")
            }
            image = data
        }
        guard HDF5File.looksLike([UInt8](image.prefix(8))) else { throw WeightsError(url, "model.weights.h5 is not an HDF5 file") }
        return try HDF5File(image: image, url: url, member: "model.weights.h5")
    }

    static func format(of file: HDF5File) -> Format? {
        if file.isGroup("/layers") { return .keras3 }
        if file.hasAttribute("layer_names", of: "/") || file.hasAttribute("layer_names0", of: "/") { return .legacyH5 }
        if file.isGroup("/model_weights") { return .legacyH5 }
        return nil
    }

    /// Finds every variable of `kind`'s Keras layers in `file` and checks its shape, or throws
    /// naming the first layer that does not match (and the Keras model the file does match, if any).
    private static func locate(_ file: HDF5File, kind: BackboneKind) throws -> [Located] {
        do {
            return try locateOrThrow(file, kind: kind)
        } catch let error as WeightsError {
            // Name the right model when the file is another Keras backbone's.
            for other in BackboneKind.allCases where other.isKeras && other != kind {
                if (try? locateOrThrow(file, kind: other)) != nil {
                    throw WeightsError(message: error.message + " (the file holds \(other.rawValue) weights: use --model \(other.rawValue))")
                }
            }
            throw error
        }
    }

    private static func locateOrThrow(_ file: HDF5File, kind: BackboneKind) throws -> [Located] {
        let model = Architecture(kind).kerasLayers
        switch format(of: file) {
        case .legacyH5: return try locateLegacy(file, model: model, kind: kind)
        case .keras3: return try locateKeras3(file, model: model, kind: kind)
        case nil, .kerasArchive:
            throw file.error("an HDF5 file without Keras weights (no 'layer_names' attribute, no 'layers' group)")
        }
    }

    private static func locateLegacy(_ file: HDF5File, model: [KerasLayer], kind: BackboneKind) throws -> [Located] {
        let root = file.hasAttribute("layer_names", of: "/") || file.hasAttribute("layer_names0", of: "/") ? "" : "/model_weights"
        var names: [String] = []
        if let whole = try file.stringArrayAttribute("layer_names", of: root.isEmpty ? "/" : root) {
            names = whole
        } else {
            var part = 0
            while let chunk = try file.stringArrayAttribute("layer_names\(part)", of: root.isEmpty ? "/" : root) {
                names += chunk; part += 1
            }
        }
        var fileLayers: [(name: String, weights: [String])] = []
        for name in names {
            let group = root + "/" + name
            guard file.isGroup(group) else { throw file.error("layer '\(name)' is listed in layer_names but has no group") }
            var weights: [String]? = try file.stringArrayAttribute("weight_names", of: group)
            if weights == nil {
                var part = 0, parts: [String] = []
                while let chunk = try file.stringArrayAttribute("weight_names\(part)", of: group) { parts += chunk; part += 1 }
                weights = parts
            }
            if let weights, !weights.isEmpty { fileLayers.append((name, weights)) }
        }
        var located: [Located] = []
        for (position, layer) in model.enumerated() {
            guard position < fileLayers.count else {
                throw file.error("has \(fileLayers.count) layers with weights, \(kind.rawValue) has \(model.count): "
                                 + "nothing for layer \(position + 1), '\(layer.name)'")
            }
            let found = fileLayers[position]
            guard found.weights.count == layer.variables.count else {
                throw file.error("layer \(position + 1) with weights, '\(found.name)', has \(found.weights.count) weights; "
                                 + "\(kind.rawValue)'s layer \(position + 1), '\(layer.name)', has \(layer.variables.count)")
            }
            for (index, weight) in found.weights.enumerated() {
                let path = root + "/" + found.name + "/" + weight
                try check(file, path, layer: layer, index: index, position: position, fileName: found.name, kind: kind)
                located.append(Located(path: path, layer: layer, index: index))
            }
        }
        if fileLayers.count > model.count {
            throw file.error("has \(fileLayers.count) layers with weights, \(kind.rawValue) has \(model.count): "
                             + "layer \(model.count + 1), '\(fileLayers[model.count].name)', is one too many")
        }
        return located
    }

    private static func locateKeras3(_ file: HDF5File, model: [KerasLayer], kind: BackboneKind) throws -> [Located] {
        var seen: [KerasLayer.LayerClass: Int] = [:]
        var located: [Located] = []
        for (position, layer) in model.enumerated() {
            let k = seen[layer.layerClass, default: 0]
            seen[layer.layerClass] = k + 1
            let group = "/layers/" + layer.layerClass.rawValue + (k == 0 ? "" : "_\(k)")
            let variables = file.isGroup(group + "/vars") ? try numberedChildren(file, group + "/vars") : []
            guard !variables.isEmpty else {
                throw file.error("no weights at '\(group)' for \(kind.rawValue)'s layer \(position + 1), '\(layer.name)' "
                                 + "(the file has fewer \(layer.layerClass.rawValue) layers)")
            }
            guard variables.count == layer.variables.count else {
                throw file.error("'\(group)' has \(variables.count) weights; \(kind.rawValue)'s layer \(position + 1), "
                                 + "'\(layer.name)', has \(layer.variables.count)")
            }
            for (index, name) in variables.enumerated() {
                let path = group + "/vars/" + name
                try check(file, path, layer: layer, index: index, position: position, fileName: String(group.dropFirst()), kind: kind)
                located.append(Located(path: path, layer: layer, index: index))
            }
        }
        // A layer of a known class beyond the model's count means the file is another network.
        for (layerClass, count) in seen {
            let extra = "/layers/" + layerClass.rawValue + "_\(count)"
            if file.isGroup(extra + "/vars"), !(try numberedChildren(file, extra + "/vars")).isEmpty {
                throw file.error("has more \(layerClass.rawValue) layers than \(kind.rawValue) (\(count)): '\(extra.dropFirst())' is one too many")
            }
        }
        return located
    }

    /// A `vars` group's members, which must be 0, 1, …, n-1, in numeric order.
    private static func numberedChildren(_ file: HDF5File, _ path: String) throws -> [String] {
        let names = try file.children(of: path)
        let numbers = names.compactMap { Int($0) }.sorted()
        guard numbers.count == names.count, numbers == Array(0..<numbers.count) else {
            throw file.error("'\(path)' holds \(names) instead of variables numbered 0, 1, ...")
        }
        return numbers.map(String.init)
    }

    private static func check(_ file: HDF5File, _ path: String, layer: KerasLayer, index: Int, position: Int,
                              fileName: String, kind: BackboneKind) throws {
        guard file.isDataset(path) else { throw file.error("layer \(position + 1), '\(fileName)': no dataset '\(path)'") }
        let expected = layer.variables[index].shape
        let (shape, isFloat) = try file.datasetShape(path)
        guard shape == expected else {
            throw file.error("layer \(position + 1), '\(fileName)': weight '\(path)' has shape \(shape), "
                             + "\(kind.rawValue)'s layer '\(layer.name)' expects \(expected)")
        }
        guard isFloat || layer.variables[index].key == nil else {
            throw file.error("layer \(position + 1), '\(fileName)': weight '\(path)' is not floating-point")
        }
    }

    /// PyTorch's shape for a Keras kernel: [out, in, kh, kw], depthwise [C, 1, kh, kw].
    static func torchShape(_ keras: [Int], depthwise: Bool) -> [Int] {
        depthwise ? [keras[2], 1, keras[0], keras[1]] : [keras[3], keras[2], keras[0], keras[1]]
    }

    /// Transposes a Keras kernel [kh, kw, I, O] (HWIO, C order) to [O, I, kh, kw]:
    /// out[o][i][y][x] = in[y][x][i][o]. A depthwise kernel [kh, kw, C, 1] comes out as [1, C, kh, kw],
    /// whose memory is that of PyTorch's [C, 1, kh, kw].
    static func hwioToOIHW(_ values: [Float], shape: [Int]) -> [Float] {
        let (kh, kw, inC, outC) = (shape[0], shape[1], shape[2], shape[3])
        var out = [Float](repeating: 0, count: values.count)
        for o in 0..<outC {
            for i in 0..<inC {
                for y in 0..<kh {
                    for x in 0..<kw {
                        out[((o * inC + i) * kh + y) * kw + x] = values[((y * kw + x) * inC + i) * outC + o]
                    }
                }
            }
        }
        return out
    }
}
