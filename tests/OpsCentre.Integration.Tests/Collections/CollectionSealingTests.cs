using System.Net;
using System.Text.Json;
using OpsCentre.Database.Collections;
using OpsCentre.Database.Registries;
using OpsCentre.Integration.Tests.Registries;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Collections;

/// <summary>
/// The personal identifiers a grid worker collects (a person's ID number and phone) are at rest only encrypted, as in the
/// population registry itself: the collection's row holds neither in clear, the review shows them masked, the approval applies them.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class CollectionSealingTests(SystemFixture system)
{
    private const string Reviewer = "jinjiang.street.operator";

    private HttpClient Http => system.Http;

    private static string NewPhone() => "139" + Random.Shared.Next(0, 100_000_000).ToString("D8");

    [Fact]
    public async Task ACollectedIdNumberAndPhoneAreStoredSealedShownMaskedAndAppliedOnApproval()
    {
        var worker = system.Fresh.Worker(within: DemoUnits.FirstStreet);
        var (_, phoneKey) = await Api.ProvisionDeviceAsync(Http, await Api.TokenAsync(Http, "jinjiang.operator"), "worker-phone", worker.Id);
        var idNumber = RegistryWriterTests.NewIdNumber();
        var phone = NewPhone();
        var name = "采集" + Guid.NewGuid().ToString("N")[..4];
        var (status, accepted) = await Api.DeviceSendAsync(Http, HttpMethod.Post, "/api/v1/device/collections", phoneKey, new
        {
            opId = "col-person-" + idNumber, registry = "population", action = "create",
            data = new { unitCode = worker.Grid, name, idNumber, phone, residence = "floating" },
        });
        Assert.True(status == HttpStatusCode.Accepted, $"{status} {accepted}");
        var id = accepted.GetProperty("id").GetString()!;

        // At rest: neither the ID number nor the phone in clear anywhere in the row (nor their digits without the check character).
        var (data, sealedValue) = (await system.Db.RowsAsync("SELECT data::text, sealed FROM collection_record WHERE id = @id",
            r => (r.GetString(0), r.IsDBNull(1) ? null : r.GetFieldValue<byte[]>(1)), ("id", id))).Single();
        Assert.DoesNotContain(idNumber[..17], data, StringComparison.Ordinal);
        Assert.DoesNotContain(phone, data, StringComparison.Ordinal);
        Assert.Contains("residence", data, StringComparison.Ordinal);   // the rest stays readable
        Assert.NotNull(sealedValue);
        var sealedText = System.Text.Encoding.UTF8.GetString(sealedValue);
        Assert.DoesNotContain(idNumber[..17], sealedText, StringComparison.Ordinal);
        Assert.DoesNotContain(phone, sealedText, StringComparison.Ordinal);
        // Sealed with the registries' key: only that key opens it.
        var opened = JsonDocument.Parse(PersonalDataCipher.FromBase64(system.PersonalDataKey).Decrypt(sealedValue)).RootElement;
        Assert.Equal((idNumber, phone), (opened.GetProperty("idNumber").GetString(), opened.GetProperty("phone").GetString()));

        // The review lists it with the fields masked, as today.
        var reviewer = await Api.TokenAsync(Http, Reviewer);
        var (_, pending) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/collections?unit={worker.Grid}&state=pending", reviewer);
        var listed = Assert.Single(pending.GetProperty("items").EnumerateArray(), r => r.GetProperty("id").GetString() == id);
        var shown = listed.GetProperty("data");
        // The registries' masks (RegistryReads.Mask): the ID number's region only, the phone's first three and last four digits.
        Assert.Equal(idNumber[..4] + new string('*', 14), shown.GetProperty("idNumber").GetString());
        Assert.Equal(phone[..3] + "****" + phone[^4..], shown.GetProperty("phone").GetString());
        Assert.DoesNotContain(idNumber, pending.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(phone, pending.GetRawText(), StringComparison.Ordinal);

        // Approved: applied to the population registry, where the exact ID number finds the person.
        var (approved, view) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/collections/{id}/approve", reviewer, new { opId = "approve-" + id });
        Assert.True(approved == HttpStatusCode.OK, $"{approved} {view}");
        var person = view.GetProperty("recordId").GetString();
        Assert.NotNull(person);
        var (_, byId) = await Api.GetAsync(Http, Reviewer, $"/api/v1/registry/search?q={idNumber}&registry=population");
        Assert.Equal(person, Assert.Single(byId.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        var cipher = PersonalDataCipher.FromBase64(system.PersonalDataKey);
        var (idCipher, phoneCipher) = (await system.Db.RowsAsync("SELECT id_number_cipher, phone_cipher FROM registry_person WHERE id = @id",
            r => (r.GetFieldValue<byte[]>(0), r.GetFieldValue<byte[]>(1)), ("id", person!))).Single();
        Assert.Equal((idNumber, phone), (cipher.Decrypt(idCipher), cipher.Decrypt(phoneCipher)));
    }

    [Fact]
    public async Task ACollectionStoredInClearBeforeIsSealedAtTheStoresFirstUse()
    {
        var worker = system.Fresh.Worker(within: DemoUnits.FirstStreet);
        var idNumber = RegistryWriterTests.NewIdNumber();
        var phone = NewPhone();
        var id = "col-legacy-" + Guid.NewGuid().ToString("N")[..12];
        // As a row stored before migration 0028: the identifiers in clear in data, nothing sealed.
        await system.Db.ExecuteAsync(
            """
            INSERT INTO collection_record (id, unit_code, registry, action, data, worker_id, device_id, op_id, collected_at, received_at)
            VALUES (@id, @unit, 'population', 'create', @data::jsonb, @worker, 'dev-legacy', @id, now(), now())
            """,
            ("id", id), ("unit", worker.Grid), ("worker", worker.Id),
            ("data", JsonSerializer.Serialize(new { unitCode = worker.Grid, name = "旧采集", idNumber, phone, residence = "registered" })));

        var cipher = PersonalDataCipher.FromBase64(system.PersonalDataKey);
        var store = new CollectionRecords(system.Db, new RegistryReader(system.Db, cipher), cipher, TimeProvider.System);
        var found = await store.FindAsync(id, default);   // the first use seals what is stored in clear
        Assert.NotNull(found);
        Assert.Equal((idNumber, phone), (found.Data["idNumber"]!.GetValue<string>(), found.Data["phone"]!.GetValue<string>()));

        var data = await system.Db.ScalarAsync<string>("SELECT data::text FROM collection_record WHERE id = @id", ("id", id));
        Assert.DoesNotContain(idNumber[..17], data, StringComparison.Ordinal);
        Assert.DoesNotContain(phone, data, StringComparison.Ordinal);
        Assert.Contains("旧采集", data, StringComparison.Ordinal);

        // Idempotent: once more (another process's first use) changes nothing and still opens the same values.
        var again = new CollectionRecords(system.Db, new RegistryReader(system.Db, cipher), cipher, TimeProvider.System);
        await again.SealStoredAsync(default);
        Assert.Equal(data, await system.Db.ScalarAsync<string>("SELECT data::text FROM collection_record WHERE id = @id", ("id", id)));
        Assert.Equal(idNumber, (await again.FindAsync(id, default))!.Data["idNumber"]!.GetValue<string>());
    }
}
