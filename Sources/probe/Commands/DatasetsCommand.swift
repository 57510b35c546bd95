import ArgumentParser
import Foundation
import ProbePipeline

struct DatasetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets",
        abstract: "List the named datasets of datasets.json, or fetch one into the cache.",
        subcommands: [List.self, Fetch.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "Name, classes, images and whether each dataset is on this machine.")

        func run() throws {
            let catalog = try DatasetCatalog.locate()
            let rows = Datasets.list(catalog)
            let nameWidth = max(4, rows.map(\.name.count).max() ?? 0)
            print("name".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  classes  images  where")
            for row in rows {
                let images = row.images.map(String.init) ?? "-"
                let name = row.name + (row.isDefault ? "*" : "")
                print(name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                      + "  " + String(row.classes).leftPad(7) + "  " + images.leftPad(6) + "  " + row.whereabouts)
            }
            print("* default dataset (used when extract gets neither --data nor --dataset)")
        }
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fetch", abstract: "Download, check and unpack a remote dataset into the cache.")

        @Argument(help: "The dataset name (see `probe datasets list`).")
        var name: String

        func run() throws {
            let catalog = try DatasetCatalog.locate()
            let root = try Datasets.fetch(catalog.entry(named: name), catalog: catalog) { message in note(message) }
            print(root.path)
        }
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
