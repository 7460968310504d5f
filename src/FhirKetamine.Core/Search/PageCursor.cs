using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace FhirKetamine.Core.Search;

/// <summary>
/// Where a page of search results starts: the sort-key values of the row it continues from (keyset paging, not
/// an offset), in which direction, and the snapshot (the highest resource key the first page could see).
/// A page's <c>next</c> link continues after its last match, its <c>previous</c> link before its first, so a
/// resource created, deleted or moved between two requests neither shifts the pages nor makes one repeat or skip
/// another match; and a deep page costs an index seek, not the scan of every row before it.
/// <para>
/// On the wire the cursor is one opaque URL-safe token (<c>_cursor</c>). It names the <c>_sort</c> it was made for:
/// a cursor sent with another sort, or not made by this server, is refused with 400, never misread.
/// </para>
/// </summary>
public sealed record PageCursor(long Snapshot, bool Before, string Sort, IReadOnlyList<string?> Values)
{
    public const string ParameterName = "_cursor";

    public string Encode()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new Wire(Snapshot, Before ? 1 : 0, Sort, [.. Values]), PageCursorJson.Default.Wire);
        return Base64Url.EncodeToString(json);
    }

    public static PageCursor Decode(string token)
    {
        try
        {
            var wire = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(token), PageCursorJson.Default.Wire);
            if (wire is { S: >= 0, B: 0 or 1, O: not null, V: { Length: > 0 } })
            {
                return new PageCursor(wire.S, wire.B == 1, wire.O, wire.V);
            }
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            // Refused below: a cursor is only ever one this server wrote.
        }

        throw Rest.FhirException.BadRequest($"'{Truncate(token)}' is not a paging cursor of this server; follow the Bundle's links as given.", ParameterName);
    }

    private static string Truncate(string token) => token.Length <= 40 ? token : token[..40] + "…";

    internal sealed record Wire(long S, int B, string O, string?[] V);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(PageCursor.Wire))]
internal sealed partial class PageCursorJson : System.Text.Json.Serialization.JsonSerializerContext;
