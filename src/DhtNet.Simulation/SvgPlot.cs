using System.Globalization;
using System.Text;

namespace DhtNet.Simulation;

/// <summary>
/// A small SVG writer for the simulator's two plots: a cumulative distribution (a step line) and a
/// histogram (bars). Axes with a few round ticks, no dependencies; the output renders in any browser.
/// </summary>
public static class SvgPlot
{
    private const int Width = 640, Height = 400, Left = 60, Right = 20, Top = 40, Bottom = 50;

    /// <summary>The empirical CDF of <paramref name="values"/>: x the value, y the share at or below it.</summary>
    public static string Cdf(string title, string xLabel, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        double xMax = NiceCeiling(sorted.Length == 0 ? 1 : sorted[^1]);
        var svg = Begin(title, xLabel, "share of lookups", xMax, 1, "0.##");
        svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"{X(0, xMax):F1},{Y(0, 1):F1}");
        for (int i = 0; i < sorted.Length; i++)
        {
            // A step: along at the previous share, then up to this one.
            svg.Append(CultureInfo.InvariantCulture, $" {X(sorted[i], xMax):F1},{Y(i / (double)sorted.Length, 1):F1} {X(sorted[i], xMax):F1},{Y((i + 1) / (double)sorted.Length, 1):F1}");
        }

        svg.Append("\"/>\n");
        return End(svg);
    }

    /// <summary>A bar per integer value of <paramref name="values"/>: how many times it occurs.</summary>
    public static string Histogram(string title, string xLabel, IReadOnlyList<int> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var counts = values.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count());
        int xMax = counts.Count == 0 ? 1 : counts.Keys.Max() + 1;
        double yMax = NiceCeiling(counts.Count == 0 ? 1 : counts.Values.Max());
        var svg = Begin(title, xLabel, "lookups", xMax, yMax, "0");
        double barWidth = Math.Max(1, ((Width - Left - Right) / (double)xMax) - 1);
        foreach (var (value, count) in counts.OrderBy(c => c.Key))
        {
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect x=\"{X(value, xMax):F1}\" y=\"{Y(count, yMax):F1}\" width=\"{barWidth:F1}\" height=\"{Y(0, yMax) - Y(count, yMax):F1}\" fill=\"#ff7f0e\"><title>{value}: {count}</title></rect>\n");
        }

        return End(svg);
    }

    private static StringBuilder Begin(string title, string xLabel, string yLabel, double xMax, double yMax, string yFormat)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Width + Left - Right) / 2}\" y=\"{Height - 10}\" text-anchor=\"middle\">{Escape(xLabel)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(16 {(Height - Bottom + Top) / 2}) rotate(-90)\" text-anchor=\"middle\">{Escape(yLabel)}</text>\n");
        for (int i = 0; i <= 5; i++)
        {
            double x = xMax * i / 5, y = yMax * i / 5;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{X(x, xMax):F1}\" y1=\"{Top}\" x2=\"{X(x, xMax):F1}\" y2=\"{Height - Bottom}\" stroke=\"#ddd\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(x, xMax):F1}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{x.ToString("0.##", CultureInfo.InvariantCulture)}</text>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Y(y, yMax):F1}\" x2=\"{Width - Right}\" y2=\"{Y(y, yMax):F1}\" stroke=\"#ddd\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{Y(y, yMax) + 4:F1}\" text-anchor=\"end\">{y.ToString(yFormat, CultureInfo.InvariantCulture)}</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\" fill=\"none\" stroke=\"#333\"/>\n");
        return svg;
    }

    private static string End(StringBuilder svg) => svg.Append("</svg>\n").ToString();

    private static double X(double value, double max) => Left + (value / max * (Width - Left - Right));

    private static double Y(double value, double max) => Height - Bottom - (value / max * (Height - Top - Bottom));

    // 1, 2 or 5 times a power of ten, at least value: round tick labels.
    private static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        double power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (double step in (double[])[1, 2, 5, 10])
        {
            if (step * power >= value)
            {
                return step * power;
            }
        }

        return 10 * power;
    }

    private static string Escape(string text) => System.Security.SecurityElement.Escape(text) ?? string.Empty;
}
