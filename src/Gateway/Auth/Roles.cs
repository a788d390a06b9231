using OpsCentre.Database.Operators;

namespace OpsCentre.Gateway.Auth;

/// <summary>What a role may do. Scope (which units) is separate: it comes from the unit-code claim.</summary>
public enum Permission
{
    /// <summary>Read units, their counters and maps; watch wall screens.</summary>
    ViewUnits,

    /// <summary>Read cases (事件): the list, the CSV export, one case with its timeline. Machine clients: <c>cases:read</c>.</summary>
    ReadCases,

    /// <summary>Read the event feed (<c>GET /api/v1/events</c>) with a cursor, as a screen replays it. Machine clients: <c>events:read</c>.</summary>
    ReadEvents,

    /// <summary>Read the registries' change feed (<c>GET /api/v1/registry-changes</c>). Machine clients: <c>registry-changes:read</c>.</summary>
    ReadRegistryChanges,

    /// <summary>Provision and revoke devices.</summary>
    ManageDevices,

    /// <summary>Append events to the log by hand (administration and acceptance checks).</summary>
    AppendEvents,

    /// <summary>Acknowledge and resolve alerts.</summary>
    HandleAlerts,

    /// <summary>Create and change alert rules and silences.</summary>
    ManageAlertRules,

    /// <summary>Read the audit log of personal-data reads and the log of administrative changes.</summary>
    ReadAudit,

    /// <summary>Report a case.</summary>
    ReportIncidents,

    /// <summary>Act on a case at all; which action each role may take, and the rules on who in person, is the case grain's duty table (<c>IncidentDuties</c>).</summary>
    HandleIncidents,

    /// <summary>Record a visit (回访) to a key person.</summary>
    RecordVisits,

    /// <summary>
    /// Read key persons (重点人员): the list, one person, their check-ins and visits — masked (张*, 5101**************),
    /// each read audited. Who also sees a person's category, or the data in clear, are permissions of their own.
    /// </summary>
    ReadKeyPersons,

    /// <summary>See a key person's category (社区矫正, 精神障碍, 吸毒…), itself sensitive; without it the category is null.</summary>
    ReadKeyPersonCategories,

    /// <summary>
    /// See key persons' personal data in clear — name, ID number, whereabouts, last check-in, visit notes, home — when the
    /// read names a purpose (<c>AccessPurposes</c>); masked otherwise.
    /// </summary>
    ReadPersonalDataInClear,

    /// <summary>
    /// Read the base-information registries (六类基础信息库): one record, the 综合查询 search, the change feed — personal
    /// fields masked as for key persons (<see cref="ReadPersonalDataInClear"/> and a purpose for clear); reads of people audited.
    /// </summary>
    ReadRegistries,

    /// <summary>Read a grid worker's track (<c>GET /api/v1/workers/{id}/track</c>): whereabouts, personal data; each read audited.</summary>
    ReadTracks,

    /// <summary>Read and change a key person's zones (home, forbidden places): community-corrections staff only.</summary>
    ManageKeyPersonZones,

    /// <summary>
    /// Hand a key person's supervision over to another district (异地协作监管): request it from the person's district, answer
    /// it (accept / refuse) in the receiving one. The supervision centres and community-corrections staff.
    /// </summary>
    HandOverKeyPersons,

    /// <summary>
    /// Receive key persons' events on a wall screen (<c>keyperson.*</c>, and alerts whose subject is a key person):
    /// the supervision centres and community-corrections staff. Each such subscription is audited.
    /// </summary>
    WatchKeyPersons,

    /// <summary>
    /// Administer operator accounts within the caller's unit: list, create, change, disable, reset passwords — only accounts
    /// and roles the grant rules (<c>GrantRules</c>) put below the caller.
    /// </summary>
    ManageOperators,

    /// <summary>Create, rename and disable departments (职能部门) of the districts within the caller's unit.</summary>
    ManageDepartments,

    /// <summary>Change what the whole city shares — case categories and their deadlines, the supervision schedule — when the caller's unit is the city.</summary>
    ManageCitySettings,

    /// <summary>
    /// Import the division list, the map and the rosters (<c>/api/v1/imports</c>) for units within the caller's scope, and
    /// follow those imports: administrators only (a district's own administrator account for the district's rosters).
    /// </summary>
    ImportFiles,

    /// <summary>Register, rotate and disable machine clients (<c>/api/v1/machine-clients</c>) within the caller's unit (<c>GrantRules.MayManageClients</c>).</summary>
    ManageMachineClients,

    /// <summary>
    /// Take residents' calls on the 12345 hotline as cases (<c>POST /api/v1/hotline/calls</c>) within the caller's unit, follow
    /// the calls they took (首接负责), and read the callers' numbers in clear (each read audited) to call them back.
    /// </summary>
    TakeHotlineCalls,

    /// <summary>
    /// Watch the cluster on the Orleans Dashboard (<c>/orleans-dashboard/</c>): silos, grain types, activations, call rates.
    /// The cluster is the whole city's, so only administrators of the city itself (a 4-digit unit) are served.
    /// </summary>
    WatchCluster,

    /// <summary>
    /// Review what grid workers collected in the field (采集): list the collection records of the units within scope, approve
    /// (applied to the registry) or reject them — community staff and the supervision centres above them.
    /// </summary>
    ReviewCollections,

    /// <summary>
    /// Ask for a key person's travel leave (外出请假) and record their return: the supervision centres, community staff
    /// entering the person's request, and corrections staff.
    /// </summary>
    RequestTravelLeave,

    /// <summary>Approve or refuse a travel leave: the supervision centres and corrections staff.</summary>
    ApproveTravelLeave,

    /// <summary>Name a key person's responsible corrections officer (社区矫正): administrators and the supervision centres.</summary>
    AssignOfficers,

    /// <summary>See the corrections officers of a unit with their caseloads against the norm: administrators, the supervision centres, corrections staff.</summary>
    ViewCaseloads,

    /// <summary>
    /// Send a release notice (刑满释放人员衔接) naming the person and the receiving community: corrections staff and the
    /// supervision centres by hand, the prison system through a machine client with <c>releases:write</c>.
    /// </summary>
    NotifyReleases,

    /// <summary>
    /// Follow release notices and 帮教: read them, confirm receipt for the receiving community, record needs, the helper and
    /// support tasks with their outcomes — community staff, corrections staff and the supervision centres.
    /// </summary>
    HandleReleases,

    /// <summary>
    /// Subscribe units within the caller's to notifications sent beyond the screen (webhooks: 督办, critical alerts, task
    /// assignments), disable and enable them, follow their deliveries and send a dead-lettered one again (docs/notifications.md).
    /// </summary>
    ManageNotifications,
    /// <summary>Work joint mediations (三所联调 / 大调解): open one, schedule its sessions, close it with its outcome — community staff and the centres above.</summary>
    Mediate,

    /// <summary>Read the joint mediations within scope and record a participating department's part (department staff: their own department's).</summary>
    RecordMediationParts,

    /// <summary>Run drills (演练) within scope: start one with its scripted cases, report cases under it, clear it afterwards — the supervision centres.</summary>
    RunDrills,

    /// <summary>Publish a district's responsibility list (权责清单: category × place → responsible department) — the district's centre and administrators.</summary>
    ManageResponsibilityList,

    /// <summary>Link property companies to the compounds they manage (物业监督) within scope — community staff and the centres above.</summary>
    ManagePropertyCompanies,

    /// <summary>Start campaigns (专项整治: the floating-population campaign day, 流动人口专项整治日) within scope — the supervision centres.</summary>
    RunCampaigns,
}

/// <summary>The roles of the contract and the functions each has.</summary>
public static class Roles
{
    public const string Admin = OperatorRoles.Admin;
    public const string Operator = OperatorRoles.Operator;
    public const string Staff = OperatorRoles.Staff;
    public const string Worker = OperatorRoles.Worker;
    public const string Corrections = OperatorRoles.Corrections;
    public const string Auditor = OperatorRoles.Auditor;

    /// <summary>Staff of a department (职能部门); scoped to their district's units for reading, to their department's cases for acting.</summary>
    public const string Department = OperatorRoles.Department;

    /// <summary>An operator of the 12345 hotline (市民服务热线), scoped to the units whose calls they take.</summary>
    public const string Hotline = OperatorRoles.Hotline;

    public static IReadOnlyList<string> All { get; } = [Admin, Operator, Staff, Worker, Corrections, Auditor, Department, Hotline];

    private static readonly Dictionary<Permission, string[]> Grants = new()
    {
        [Permission.ViewUnits] = [Admin, Operator, Staff, Worker, Corrections, Auditor, Department, Hotline],
        [Permission.ReadCases] = [Admin, Operator, Staff, Worker, Corrections, Auditor, Department, Hotline],
        [Permission.ReadEvents] = [Admin, Operator, Staff, Worker, Corrections, Auditor, Department, Hotline],
        [Permission.ReadRegistryChanges] = [Admin, Operator, Staff, Worker, Corrections, Department],
        [Permission.ManageDevices] = [Admin, Operator],
        [Permission.AppendEvents] = [Admin],
        [Permission.HandleAlerts] = [Admin, Operator, Staff, Worker, Corrections],
        [Permission.ManageAlertRules] = [Admin, Operator],
        [Permission.ReadAudit] = [Admin, Auditor],
        [Permission.ReportIncidents] = [Admin, Operator, Staff, Worker],
        [Permission.HandleIncidents] = [Admin, Operator, Staff, Worker, Department],
        [Permission.RecordVisits] = [Staff, Worker, Corrections],
        // Least privilege per field: departments see their cases and what those need, auditors the audit log — neither
        // reads key persons. Category and clear data go only to the roles whose duty needs them (docs/key-persons.md).
        [Permission.ReadKeyPersons] = [Admin, Operator, Staff, Worker, Corrections],
        [Permission.ReadKeyPersonCategories] = [Admin, Operator, Staff, Corrections],
        [Permission.ReadPersonalDataInClear] = [Corrections],
        // The supervision centres dispatch and community staff lead the grid workers; nobody else follows where a worker went.
        // Departments are the change feed's readers (一次采集、多次利用); auditors read the audit log, not the registries.
        [Permission.ReadRegistries] = [Admin, Operator, Staff, Worker, Corrections, Department],
        [Permission.ReadTracks] = [Admin, Operator, Staff],
        [Permission.ManageKeyPersonZones] = [Corrections],
        [Permission.HandOverKeyPersons] = [Admin, Operator, Corrections],
        // Grid workers and community staff read the persons they visit over HTTP, one audited read at a time; a
        // screen's stream of every state change in their area is more than that duty needs. Departments and
        // auditors have no key-person duty at all.
        [Permission.WatchKeyPersons] = [Admin, Operator, Corrections],
        [Permission.ManageOperators] = [Admin, Operator],
        [Permission.ManageDepartments] = [Admin, Operator],
        [Permission.ManageCitySettings] = [Admin],
        // Setting a centre up is administration: a district operator runs the centre with what the district's administrator loaded.
        [Permission.ImportFiles] = [Admin],
        [Permission.WatchCluster] = [Admin],
        [Permission.ReviewCollections] = [Admin, Operator, Staff],
        // A departmental system's machine client is never an operator: what it may do is its own permissions (ClientPermissions).
        [Permission.ManageMachineClients] = [Admin],
        // The hotline's own duty: a caller's number is read in clear by whoever must call them back, nobody else.
        [Permission.TakeHotlineCalls] = [Hotline],
        // Issue 29's workflows: the person's community enters what it is told, the centres and corrections staff decide.
        [Permission.RequestTravelLeave] = [Admin, Operator, Staff, Corrections],
        [Permission.ApproveTravelLeave] = [Admin, Operator, Corrections],
        [Permission.AssignOfficers] = [Admin, Operator],
        [Permission.ViewCaseloads] = [Admin, Operator, Corrections],
        [Permission.NotifyReleases] = [Admin, Operator, Corrections],
        [Permission.HandleReleases] = [Admin, Operator, Staff, Corrections],
        // Where the centre's messages go outside it is set up by its administrators, like its machine clients.
        [Permission.ManageNotifications] = [Admin],
        // Issue 29's second half: mediation, drills, the responsibility list and property companies.
        [Permission.Mediate] = [Admin, Operator, Staff],
        [Permission.RecordMediationParts] = [Admin, Operator, Staff, Department],
        [Permission.RunDrills] = [Admin, Operator],
        [Permission.ManageResponsibilityList] = [Admin, Operator],
        [Permission.ManagePropertyCompanies] = [Admin, Operator, Staff],
        // Issue 29's campaigns: the centres start them; the grid workers' phones complete the visits with their device keys.
        [Permission.RunCampaigns] = [Admin, Operator],
    };

    /// <summary>
    /// A departmental system's machine client (机器客户端, OAuth 2.0 client credentials): not an operator's role, never granted
    /// to an account. Its functions are the permissions it was registered with (<see cref="ClientPermissions"/>).
    /// </summary>
    public const string Client = "client";

    /// <summary>Whether an operator's role has the function; false for every function a role's name alone cannot grant (a machine client's).</summary>
    public static bool Allows(string? role, Permission permission) => role is not null && Grants[permission].Contains(role);

    /// <summary>Whether the caller has the function: an operator by their role, a machine client by the permissions its token carries.</summary>
    public static bool Allows(System.Security.Claims.ClaimsPrincipal user, Permission permission) =>
        user.RoleOf() == Client ? ClientPermissions.Allows(user, permission) : Allows(user.RoleOf(), permission);
}
