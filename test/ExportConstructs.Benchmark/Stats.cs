namespace ExportConstructs.Benchmark;

/// <summary>Median and spread of repeated measurements, in milliseconds.</summary>
internal sealed record Stats(double Median, double Min, double Max, int Runs)
{
    public static Stats Of(IReadOnlyCollection<double> samples)
    {
        var sorted = samples.Order().ToArray();
        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return new Stats(median, sorted[0], sorted[^1], sorted.Length);
    }

    public override string ToString() => $"{Median:F0} ms (min {Min:F0}, max {Max:F0}, n={Runs})";
}
