import ArgumentParser

@main
struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Linear probing on frozen ImageNet CNNs: images -> embeddings -> classifiers -> reports.",
        version: "0.1.0",
        subcommands: [
            // One file per subcommand under Commands/, in pipeline order.
            ModelsCommand.self,
            DatasetsCommand.self,
            ExtractCommand.self,
            InfoCommand.self,
            FitLogRegCommand.self,
            FitSVMCommand.self,
            FitKNNCommand.self,
            CVCommand.self,
            PredictCommand.self,
            EmbedTensorCommand.self,
            ImagenetTop5Command.self,
            VerifyCommand.self,
            MergeCommand.self,
        ]
    )
}
