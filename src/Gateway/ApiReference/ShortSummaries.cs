using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OpsCentre.Gateway.ApiReference;

/// <summary>
/// Keeps each operation's summary a title: one whose summary is a paragraph (the endpoints' own
/// <c>WithSummary</c> often says all there is to say) gets the paragraph as its description, and its
/// first sentence as the summary, so the reference's sidebar lists names rather than prose.
/// </summary>
internal sealed class ShortSummaries : IOpenApiOperationTransformer
{
    private const int Longest = 90;

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (operation.Summary is { Length: > Longest } summary && string.IsNullOrWhiteSpace(operation.Description))
        {
            operation.Description = summary;
            operation.Summary = Title(summary);
        }

        return Task.CompletedTask;
    }

    /// <summary>The first sentence (up to a full stop, a colon or a semicolon) if short enough; else the words that fit, and an ellipsis.</summary>
    internal static string Title(string text)
    {
        var end = text.IndexOfAny(['.', ':', ';', '(']);
        while (end > 0 && end + 1 < text.Length && !char.IsWhiteSpace(text[end + 1]) && text[end] != '(')
        {
            end = text.IndexOfAny(['.', ':', ';', '('], end + 1);
        }

        if (end > 0 && end <= Longest)
        {
            return text[..end].TrimEnd();
        }

        var cut = text.LastIndexOf(' ', Longest - 1);
        return string.Concat(text.AsSpan(0, cut > 0 ? cut : Longest - 1).TrimEnd(), "…");
    }
}
