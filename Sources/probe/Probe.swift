import ArgumentParser

@main
struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Linear probing on frozen ImageNet CNNs: images -> embeddings -> classifiers -> reports.",
        version: "0.1.0",
        subcommands: [
            // One file per subcommand under Commands/.
            ScanCommand.self,
        ]
    )
}
