using System.Globalization;
using System.Net;
using System.Text;

namespace FaceVector.Evaluation.Html;

/// <summary>A minimal inline-SVG line/area chart: linear axes over a fixed plot box, drawn as text.</summary>
internal sealed class SvgChart
{
    private const int Width = 560, Height = 320, Left = 56, Right = 16, Top = 16, Bottom = 44;
    private readonly StringBuilder _body = new();
    private readonly double _xMin, _xMax, _yMin, _yMax;
    private int _legendRows;

    public SvgChart(double xMin, double xMax, double yMin, double yMax)
    {
        (_xMin, _xMax, _yMin, _yMax) = (xMin, xMax, yMin, yMax);
    }

    public static string Number(double value, string format = "0.###") => value.ToString(format, CultureInfo.InvariantCulture);

    public SvgChart Axes(IEnumerable<double> xTicks, Func<double, string> xLabel, IEnumerable<double> yTicks, string xTitle, string yTitle)
    {
        _body.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\" fill=\"none\" stroke=\"#888\"/>");
        foreach (var x in xTicks)
        {
            _body.Append(CultureInfo.InvariantCulture, $"<line x1=\"{X(x):0.#}\" y1=\"{Top}\" x2=\"{X(x):0.#}\" y2=\"{Height - Bottom}\" stroke=\"#eee\"/>");
            _body.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(x):0.#}\" y=\"{Height - Bottom + 14}\" text-anchor=\"middle\">{Encode(xLabel(x))}</text>");
        }

        foreach (var y in yTicks)
        {
            _body.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Y(y):0.#}\" x2=\"{Width - Right}\" y2=\"{Y(y):0.#}\" stroke=\"#eee\"/>");
            _body.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 4}\" y=\"{Y(y) + 4:0.#}\" text-anchor=\"end\">{Number(y)}</text>");
        }

        _body.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Width + Left - Right) / 2}\" y=\"{Height - 6}\" text-anchor=\"middle\">{Encode(xTitle)}</text>");
        _body.Append(CultureInfo.InvariantCulture, $"<text transform=\"rotate(-90)\" x=\"{-(Height - Bottom + Top) / 2}\" y=\"14\" text-anchor=\"middle\">{Encode(yTitle)}</text>");
        return this;
    }

    /// <summary>A polyline through the points; <paramref name="fill"/> closes it down to the x axis as a translucent area.</summary>
    public SvgChart Line(IEnumerable<(double X, double Y)> points, string colour, string label, bool fill = false)
    {
        var coordinates = string.Join(' ', points.Select(p => $"{Number(X(p.X), "0.#")},{Number(Y(p.Y), "0.#")}"));
        if (fill)
        {
            var first = coordinates.Split(' ')[0].Split(',')[0];
            var last = coordinates.Split(' ')[^1].Split(',')[0];
            var baseline = Number(Y(_yMin), "0.#");
            _body.Append(CultureInfo.InvariantCulture, $"<polygon points=\"{first},{baseline} {coordinates} {last},{baseline}\" fill=\"{colour}\" fill-opacity=\"0.35\" stroke=\"{colour}\"/>");
        }
        else
        {
            _body.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{coordinates}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>");
        }

        var legendY = Top + 14 + (16 * _legendRows++);
        _body.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Width - Right - 150}\" y=\"{legendY - 9}\" width=\"10\" height=\"10\" fill=\"{colour}\"/>");
        _body.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right - 136}\" y=\"{legendY}\">{Encode(label)}</text>");
        return this;
    }

    public string Render(string title) =>
        $"<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{Encode(title)}\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-size=\"11\" font-family=\"sans-serif\">{_body}</svg>";

    public static string Encode(string text) => WebUtility.HtmlEncode(text);

    private double X(double x) => Left + ((Math.Clamp(x, _xMin, _xMax) - _xMin) / (_xMax - _xMin) * (Width - Left - Right));

    private double Y(double y) => Height - Bottom - ((Math.Clamp(y, _yMin, _yMax) - _yMin) / (_yMax - _yMin) * (Height - Top - Bottom));
}
