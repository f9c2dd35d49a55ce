/*
 * structurizr-bank: card payments of a small bank, as its architects keep it in Structurizr.
 * A pacelc example (written for pacelc, not taken from any public workspace). Review with:
 *   pacelc review examples/structurizr-bank examples/structurizr-bank/overlay.yaml
 *
 * Deliberate flaws: the fraud-scoring service runs one instance in one zone, on the payment path;
 * the session cache is one Redis in one zone; the ledger's standby is described in words only
 * ("Replicates to"): the overlay says it is asynchronous with manual failover, under a ledger
 * that may lose nothing.
 * Good choices: the payments API runs in all three zones; payment events go through Kafka
 * brokers in three zones, consumed asynchronously by the notifier.
 */
workspace "Card Payments" "Authorises card payments and keeps the ledger." {

    !identifiers hierarchical

    model {
        cardholder = person "Cardholder" "Pays with a card."

        cardNetwork = softwareSystem "Card Network" "The card scheme's authorisation API." "External"

        payments = softwareSystem "Card Payments" {
            api = container "Payments API" "Authorises a payment and books it." "Kotlin and Ktor"
            fraud = container "Fraud Scoring" "Scores a payment before it is authorised." "Python"
            notifier = container "Notifier" "Sends the cardholder a push message per payment." "Go"
            ledger = container "Ledger Database" "Accounts and booked payments." "PostgreSQL 16" "Database"
            sessions = container "Session Cache" "Cardholder sessions." "Redis 7.2"
            events = container "Payment Events" "One event per booked payment." "Kafka 3.7"

            api -> fraud "Scores the payment with" "gRPC"
            api -> ledger "Books the payment in" "JDBC"
            api -> sessions "Reads the session from" "RESP"
            api -> cardNetwork "Authorises the payment with" "HTTPS"
            api -> events "Publishes payment events to" "Kafka"
            events -> notifier "Delivers payment events to" "Kafka"
        }

        cardholder -> payments.api "Pays with" "HTTPS"

        live = deploymentEnvironment "Live" {
            deploymentNode "AWS" "" "Amazon Web Services" {
                deploymentNode "eu-central-1" "" "AWS region" {
                    infrastructureNode "Load balancer" "" "Application Load Balancer"
                    deploymentNode "eu-central-1a" "" "Availability Zone" {
                        deploymentNode "payments-a" "" "EKS node group" "" 2 {
                            containerInstance payments.api
                        }
                        containerInstance payments.fraud
                        ledgerPrimary = deploymentNode "ledger-primary" "" "Amazon EC2" {
                            containerInstance payments.ledger
                        }
                        containerInstance payments.sessions
                        containerInstance payments.events
                        containerInstance payments.notifier
                    }
                    deploymentNode "eu-central-1b" "" "Availability Zone" {
                        deploymentNode "payments-b" "" "EKS node group" "" 2 {
                            containerInstance payments.api
                        }
                        ledgerStandby = deploymentNode "ledger-standby" "" "Amazon EC2" {
                            containerInstance payments.ledger
                        }
                        containerInstance payments.events
                        containerInstance payments.notifier
                    }
                    deploymentNode "eu-central-1c" "" "Availability Zone" {
                        deploymentNode "payments-c" "" "EKS node group" "" 2 {
                            containerInstance payments.api
                        }
                        containerInstance payments.events
                    }
                    ledgerPrimary -> ledgerStandby "Replicates to" "PostgreSQL streaming replication"
                }
            }
        }

        deploymentEnvironment "Staging" {
            deploymentNode "staging" "" "Amazon EC2" {
                containerInstance payments.api
                containerInstance payments.ledger
            }
        }
    }

    views {
        container payments "Containers" {
            include *
            autolayout lr
        }
        deployment payments live "Live" {
            include *
            autolayout lr
        }
        styles {
            element "Database" {
                shape cylinder
            }
        }
    }
}
