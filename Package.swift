// swift-tools-version: 6.1
// Forger: training, evaluating and sampling GANs in Swift.
// Layers (imports point down only): CKernels → Kernels → Tensors → NN → Datasets, GANs → Metrics → forger.
// Datasets also links zlib, libpng and libjpeg(-turbo) (CImageCodecs wraps the latter two).
import PackageDescription

let package = Package(
    name: "Forger",
    products: [
        .executable(name: "forger", targets: ["forger"]),
        .executable(name: "forger-bench", targets: ["forger-bench"]),
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "GANs", targets: ["GANs"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        .target(name: "CKernels"),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(
            name: "CLibPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        .systemLibrary(
            name: "CLibJPEG", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg-dev"]), .brew(["jpeg-turbo"])]),
        .target(name: "CImageCodecs", dependencies: ["CLibPNG", "CLibJPEG"]),
        .target(name: "Kernels", dependencies: ["CKernels"]),
        .target(name: "Tensors", dependencies: ["Kernels"]),
        .target(name: "NN", dependencies: ["Tensors", "Kernels"]),
        .target(name: "Datasets", dependencies: ["Tensors", "CZlib", "CImageCodecs"]),
        .target(name: "GANs", dependencies: ["Tensors", "NN", "Datasets"]),
        .target(name: "Metrics", dependencies: ["GANs", "NN", "Datasets", "Tensors"], resources: [.copy("Weights")]),
        .executableTarget(
            name: "forger",
            dependencies: [
                "GANs", "Metrics", "Datasets", "NN", "Tensors",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "forger-bench",
            dependencies: [
                "GANs", "NN", "Tensors", "Kernels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/forger-bench"),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Tensors"]),
        .testTarget(
            name: "DatasetsTests", dependencies: ["Datasets", "Tensors", "CZlib"],
            exclude: ["Fixtures"]),
        .testTarget(name: "GANsTests", dependencies: ["GANs", "NN", "Tensors", "Datasets"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "GANs", "Datasets", "NN", "Tensors"]),
        .testTarget(name: "ForgerCLITests", dependencies: ["forger", "Datasets", "NN"]),
    ],
    swiftLanguageModes: [.v5]
)
