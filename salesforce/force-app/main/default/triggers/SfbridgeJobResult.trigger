/**
 * Example subscriber of sfbridge's job results: writes each result onto the Account that started the job,
 * found by the job id stored in Sfbridge_Job_Id__c when the job was started:
 *
 *   SfbridgeClient.Job job = new SfbridgeClient().startJob('account-onboarding', input);
 *   update new Account(Id = accountId, Sfbridge_Job_Id__c = job.id, Sfbridge_Job_Status__c = null);
 *
 * Platform event triggers run as the Automated Process user, in system context. Results may arrive twice
 * (delivery is at least once); writing the same values again is harmless. A locked row is retried by
 * Salesforce when the trigger throws EventBus.RetryableException.
 */
trigger SfbridgeJobResult on Sfbridge_Job_Result__e(after insert) {
    Integer resultLimit = Account.Sfbridge_Job_Result__c.getDescribe().getLength();
    Map<String, Sfbridge_Job_Result__e> resultsByJobId = new Map<String, Sfbridge_Job_Result__e>();
    for (Sfbridge_Job_Result__e result : Trigger.new) {
        resultsByJobId.put(result.Job_Id__c, result);
    }

    List<Account> accounts = new List<Account>();
    for (Account started : [
        SELECT Id, Sfbridge_Job_Id__c
        FROM Account
        WHERE Sfbridge_Job_Id__c IN :resultsByJobId.keySet()
    ]) {
        Sfbridge_Job_Result__e result = resultsByJobId.get(started.Sfbridge_Job_Id__c);
        String outcome = result.Status__c == 'SUCCEEDED'
            ? result.Output__c
            : result.Error_Code__c + ': ' + result.Error_Cause__c;
        accounts.add(
            new Account(
                Id = started.Id,
                Sfbridge_Job_Status__c = result.Status__c,
                Sfbridge_Job_Result__c = outcome == null ? null : outcome.left(resultLimit)
            )
        );
    }

    List<Database.SaveResult> saved = Database.update(accounts, false);
    for (Database.SaveResult save : saved) {
        for (Database.Error error : save.getErrors()) {
            if (error.getStatusCode() == StatusCode.UNABLE_TO_LOCK_ROW && EventBus.TriggerContext.currentContext().retries < 9) {
                throw new EventBus.RetryableException('Account locked; the job result is delivered again');
            }
            System.debug(LoggingLevel.ERROR, 'sfbridge job result not written to ' + save.getId() + ': ' + error.getMessage());
        }
    }
}
